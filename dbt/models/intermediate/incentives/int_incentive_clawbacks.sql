{#- Clawbacks of the deal-based incentive payments (docs/incentives.md, Clawbacks), where clawbacks apply today: a
    credit note or write-off of a deal (int_pay_clawback_events) that earned a high-value order reward or a
    special-project award takes back the removed share of the deal (capped at 100 % per deal in event order) of the
    amount paid: -round(amount paid x removed deal share), in the month of the event, or the month the payment is
    made when the event comes first (nothing is taken back before it is paid). One row per payment and event; on
    the statement they add to the clawback line. -#}
with events as (
    select * from {{ ref('int_pay_clawback_events') }}
    where removed_deal_share > 0
),

paid as (
    select employee_id, programme, rule_id, period_key, paid_month, amount, policy_version
    from {{ ref('int_incentive_high_value_order_reward') }}
    union all
    select employee_id, programme, rule_id, period_key, paid_month, amount, policy_version
    from {{ ref('int_incentive_special_project_award') }}
),

{#- An event removes one booking credit's share; a rep credited through several splits of one deal has one payment,
    so the event's share is counted once per rep and event. -#}
rep_events as (
    select event_id, event_type, event_date, event_month, employee_id, opportunity_id,
        max(removed_deal_share) as removed_deal_share
    from events
    group by event_id, event_type, event_date, event_month, employee_id, opportunity_id
),

final as (
    select
        p.employee_id,
        p.programme,
        p.rule_id,
        p.period_key || '|clawback|' || e.event_id as period_key,
        cast(e.event_date as date) as period_end,
        cast(case when e.event_month > p.paid_month then e.event_month else p.paid_month end as date) as paid_month,
        {{ pay_decimal('p.amount') }} as base_amount,
        {{ pay_decimal('-1 * e.removed_deal_share') }} as factor,
        {{ pay_round(pay_product(['p.amount', '-1 * e.removed_deal_share'])) }} as amount,
        'clawback of ' || p.programme || ' ' || cast(p.amount as {{ type_text() }}) || ' paid for deal '
            || p.period_key || ': ' || e.event_type || ' ' || e.event_id || ' on '
            || cast(e.event_date as {{ type_text() }}) || ' removes '
            || cast(cast(e.removed_deal_share as decimal(18, 6)) as {{ type_text() }}) || ' of the deal' as calculation,
        p.policy_version,
        e.event_id
    from paid p
    inner join rep_events e on e.employee_id = p.employee_id and e.opportunity_id = p.period_key
)

select * from final
