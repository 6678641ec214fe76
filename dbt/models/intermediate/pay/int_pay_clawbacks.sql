{#- Clawbacks (docs/pay.md): one row per rep, month in which bookings are removed (the clawback month) and
    original month (the close month of the deals they came from, whose statement paid the bonus).

    Reading of the rule: a credit note or a 180-days-overdue write-off (int_pay_clawback_events) that removes
    receivable from a deal claws back only when the deal closed in an EARLIER month than the event and that
    month's performance_bonus was paid (> 0). The removed bookings (CNY, the rep's credited share) reduce the
    original month's bookings; the performance bonus of the original month is recomputed with its own V,
    revenue target and policies, and the clawback is the difference, recorded as a negative line in the month of
    the event, never as an edit of the past statement. Several events against the same original month are
    cumulative: the clawback of a month = bonus recomputed with everything removed before this month - bonus
    recomputed with everything removed up to and including this month, so all clawbacks of an original month
    add up to (bonus paid - bonus with all removals) and never more than the bonus paid. Events in or before the
    close month change nothing (the bookings were never paid out ahead of them). Only the performance bonus is
    clawed back: base_performance_pay is a score-based salary part, and the statement is not re-scored.
    A clawback month in which the rep has no statement (left the company, not a sales role) is kept here with
    has_statement = false and does not appear on any statement. -#}
with events as (
    select * from {{ ref('int_pay_clawback_events') }}
    where event_month > close_month
),

original_months as (
    select * from {{ ref('int_pay_monthly_inputs') }}
),

statement_months as (
    select employee_id, month from {{ ref('int_pay_rep_months') }}
),

tiers as (
    select * from {{ ref('policy_payout_tiers') }}
),

per_month as (
    select
        employee_id,
        event_month as month,
        close_month as original_month,
        cast(sum(removed_bookings) as decimal(38, 10)) as removed_bookings,
        cast(count(distinct event_id) as integer) as clawback_events,
        {{ dbt.listagg('distinct event_id', "','", 'order by event_id') }} as event_ids
    from events
    group by employee_id, event_month, close_month
),

cumulative as (
    select
        p.*,
        cast(coalesce(sum(p.removed_bookings) over (
            partition by p.employee_id, p.original_month order by p.month
            rows between unbounded preceding and 1 preceding), 0) as decimal(38, 10)) as removed_bookings_before
    from per_month p
),

recomputed as (
    select
        c.employee_id,
        c.month,
        c.original_month,
        c.clawback_events,
        c.event_ids,
        c.removed_bookings,
        c.removed_bookings_before,
        o.bookings as original_bookings,
        o.revenue_target as original_revenue_target,
        o.attainment as original_attainment,
        o.payout_factor as original_payout_factor,
        o.target_variable_pay as original_target_variable_pay,
        o.performance_bonus_amount as original_performance_bonus,
        o.month_end as original_month_end,
        o.performance_bonus_share,
        o.performance_bonus_amount > 0 as was_paid_out,
        {{ pay_decimal('o.bookings - c.removed_bookings_before') }} as bookings_before,
        {{ pay_decimal('o.bookings - c.removed_bookings_before - c.removed_bookings') }} as bookings_after
    from cumulative c
    inner join original_months o on o.employee_id = c.employee_id and o.month = c.original_month
),

factors as (
    select
        r.*,
        {{ attainment('r.bookings_before', 'r.original_revenue_target', exact=true) }} as attainment_before,
        {{ attainment('r.bookings_after', 'r.original_revenue_target', exact=true) }} as attainment_after
    from recomputed r
),

bonuses as (
    select
        f.*,
        {{ pay_payout_factor('f.attainment_before', 'f.original_month_end', 'tiers') }} as payout_factor_before,
        {{ pay_payout_factor('f.attainment_after', 'f.original_month_end', 'tiers') }} as payout_factor_after
    from factors f
),

final as (
    select
        b.employee_id,
        b.month,
        b.original_month,
        b.clawback_events,
        b.event_ids,
        b.removed_bookings,
        b.removed_bookings_before,
        b.original_bookings,
        b.original_revenue_target,
        b.original_attainment,
        b.original_payout_factor,
        b.original_target_variable_pay,
        b.original_performance_bonus,
        b.was_paid_out,
        b.bookings_before,
        b.bookings_after,
        b.attainment_before,
        b.attainment_after,
        b.payout_factor_before,
        b.payout_factor_after,
        {{ pay_performance_bonus('b.performance_bonus_share', 'b.original_target_variable_pay',
            'b.payout_factor_before') }} as bonus_before,
        {{ pay_performance_bonus('b.performance_bonus_share', 'b.original_target_variable_pay',
            'b.payout_factor_after') }} as bonus_after,
        exists (select 1 from statement_months s where s.employee_id = b.employee_id and s.month = b.month)
            as has_statement
    from bonuses b
)

select
    *,
    case when was_paid_out then cast(bonus_after - bonus_before as decimal(18, 2))
         else cast(0 as decimal(18, 2)) end as clawback_amount
from final
