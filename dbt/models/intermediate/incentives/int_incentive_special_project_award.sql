{#- Special-project award (docs/incentives.md): a won opportunity marked as a project by policy_special_project
    (its match_field, one of opportunity_name, opportunity_type, lead_source or product_line, is LIKE match_value)
    earns award_amount, split over the reps credited with it by their credit share (splits), paid in the month
    after it closes. Policy rows in force on the close month's last day. -#}
with credits as (
    select * from {{ ref('int_bookings_credited') }}
    where employee_id is not null
),

opportunities as (
    select opportunity_id, opportunity_name, opportunity_type, lead_source, product_line
    from {{ ref('stg_crm__opportunity') }}
),

programme as (
    select * from {{ ref('policy_incentive_programmes') }}
    where programme = 'special_project_award' and is_enabled
),

rules as (
    select * from {{ ref('policy_special_project') }}
),

matched as (
    select
        c.employee_id,
        c.opportunity_id,
        c.close_month,
        cast({{ dbt.last_day('c.close_month', 'month') }} as date) as close_month_end,
        c.credit_share,
        r.rule_id,
        r.match_field,
        r.match_value,
        r.award_amount,
        r.policy_version
    from credits c
    inner join opportunities o on o.opportunity_id = c.opportunity_id
    inner join rules r
        on {{ policy_in_force('r', dbt.last_day('c.close_month', 'month')) }}
        and case r.match_field
            when 'opportunity_name' then o.opportunity_name
            when 'opportunity_type' then o.opportunity_type
            when 'lead_source' then o.lead_source
            when 'product_line' then o.product_line
        end like r.match_value
    inner join programme p on {{ policy_in_force('p', dbt.last_day('c.close_month', 'month')) }}
),

{#- A rep credited through several splits of one deal gets one award row with the summed share. -#}
per_rep as (
    select employee_id, opportunity_id, close_month, close_month_end, rule_id, match_field, match_value,
        award_amount, policy_version, sum(credit_share) as credit_share
    from matched
    group by employee_id, opportunity_id, close_month, close_month_end, rule_id, match_field, match_value,
        award_amount, policy_version
),

final as (
    select
        employee_id,
        'special_project_award' as programme,
        rule_id,
        opportunity_id as period_key,
        close_month_end as period_end,
        cast({{ dbt.dateadd('month', 1, 'close_month') }} as date) as paid_month,
        {{ pay_decimal('award_amount') }} as base_amount,
        {{ pay_decimal('credit_share') }} as factor,
        {{ pay_round(pay_product(['award_amount', 'credit_share'])) }} as amount,
        'project ' || opportunity_id || ' (' || match_field || ' like ''' || match_value || ''') won '
            || cast(close_month as {{ type_text() }}) || ': award ' || cast(award_amount as {{ type_text() }})
            || ' x credit share ' || cast(cast(credit_share as decimal(9, 4)) as {{ type_text() }}) as calculation,
        policy_version
    from per_rep
)

select * from final
