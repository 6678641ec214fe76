{#- High-value order reward (docs/incentives.md): a won deal whose amount in the reporting currency is at least the
    threshold of policy_high_value_order pays reward_rate x the rep's credited bookings of it, in the month after it
    closes. Policy rows in force on the close month's last day. -#}
with credits as (
    select * from {{ ref('int_bookings_credited') }}
    where employee_id is not null
),

programme as (
    select * from {{ ref('policy_incentive_programmes') }}
    where programme = 'high_value_order_reward' and is_enabled
),

rules as (
    select * from {{ ref('policy_high_value_order') }}
),

per_rep as (
    select
        c.employee_id,
        c.opportunity_id,
        c.close_month,
        max(c.opportunity_amount_reporting) as deal_amount,
        sum(c.amount_reporting) as credited_bookings
    from credits c
    group by c.employee_id, c.opportunity_id, c.close_month
),

final as (
    select
        d.employee_id,
        'high_value_order_reward' as programme,
        r.rule_id,
        d.opportunity_id as period_key,
        cast({{ dbt.last_day('d.close_month', 'month') }} as date) as period_end,
        cast({{ dbt.dateadd('month', 1, 'd.close_month') }} as date) as paid_month,
        {{ pay_decimal('d.credited_bookings') }} as base_amount,
        {{ pay_decimal('r.reward_rate') }} as factor,
        {{ pay_round(pay_product(['d.credited_bookings', 'r.reward_rate'])) }} as amount,
        'deal ' || d.opportunity_id || ' of ' || cast(cast(d.deal_amount as decimal(18, 2)) as {{ type_text() }})
            || ' >= ' || cast(r.threshold as {{ type_text() }}) || ': credited bookings '
            || cast(cast(d.credited_bookings as decimal(18, 2)) as {{ type_text() }}) || ' x rate '
            || cast(r.reward_rate as {{ type_text() }}) as calculation,
        r.policy_version
    from per_rep d
    inner join rules r on {{ policy_in_force('r', dbt.last_day('d.close_month', 'month')) }}
    inner join programme p on {{ policy_in_force('p', dbt.last_day('d.close_month', 'month')) }}
    where d.deal_amount >= r.threshold and d.credited_bookings > 0
)

select * from final
