{#- Optional commission (docs/incentives.md; off by default, the 40/50/10 plan is the default plan): marginal tiers
    of policy_commission_tiers on the statement month's revenue of the rep, booked (credited bookings, as on the
    statement) or collected (payments received in the month to invoices credited to the rep, reporting currency).
    One row per tier reached: rate x the part of the revenue between lower_bound and upper_bound (open when empty).
    Paid in the same month. Policy rows in force on the month's last day. -#}
with rep_months as (
    select employee_id, month, month_end from {{ ref('int_pay_rep_months') }}
),

booked as (
    select employee_id, month, bookings as revenue from {{ ref('int_pay_monthly_inputs') }}
),

collected as (
    select p.employee_id, p.payment_month as month, sum(p.amount_reporting) as revenue
    from {{ ref('int_payments_converted') }} p
    cross join {{ ref('int_run_as_of') }} a
    where p.employee_id is not null and not p.is_orphan_invoice and p.payment_date <= a.as_of_date
    group by p.employee_id, p.payment_month
),

programme as (
    select * from {{ ref('policy_incentive_programmes') }}
    where programme = 'commission' and is_enabled
),

rules as (
    select * from {{ ref('policy_commission_tiers') }}
),

revenue as (
    select
        m.employee_id,
        m.month,
        m.month_end,
        r.rule_id,
        r.basis,
        r.lower_bound,
        r.upper_bound,
        r.rate,
        r.policy_version,
        coalesce(case r.basis when 'booked' then b.revenue else c.revenue end, 0) as revenue
    from rep_months m
    inner join programme p on {{ policy_in_force('p', 'm.month_end') }}
    inner join rules r on {{ policy_in_force('r', 'm.month_end') }}
    left join booked b on b.employee_id = m.employee_id and b.month = m.month
    left join collected c on c.employee_id = m.employee_id and c.month = m.month
),

tiered as (
    select
        *,
        {{ pay_decimal('least(revenue, coalesce(upper_bound, revenue)) - lower_bound') }} as revenue_in_tier
    from revenue
),

final as (
    select
        employee_id,
        'commission' as programme,
        rule_id,
        cast(month as {{ type_text() }}) as period_key,
        cast(month_end as date) as period_end,
        cast(month as date) as paid_month,
        revenue_in_tier as base_amount,
        {{ pay_decimal('rate') }} as factor,
        {{ pay_round(pay_product(['revenue_in_tier', 'rate'])) }} as amount,
        basis || ' revenue ' || cast(cast(revenue as decimal(18, 2)) as {{ type_text() }}) || ', tier '
            || cast(lower_bound as {{ type_text() }}) || '-' || coalesce(cast(upper_bound as {{ type_text() }}), 'open')
            || ': ' || cast(cast(revenue_in_tier as decimal(18, 2)) as {{ type_text() }}) || ' x rate '
            || cast(rate as {{ type_text() }}) as calculation,
        policy_version,
        basis
    from tiered
    where revenue_in_tier > 0
)

select * from final
