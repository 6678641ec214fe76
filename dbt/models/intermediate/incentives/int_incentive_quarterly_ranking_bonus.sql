{#- Quarterly ranking bonus (docs/incentives.md): bonus_amount of policy_ranking_bonus to every rep ranked within the
    top top_n (or, top_n empty, the top floor(top_share x graded reps)) of the latest PUBLISHED version of a
    quarter; paid in the month after the quarter ends. Reps tied at the cut share a rank and are all paid. Policy
    rows in force on the quarter's last day; nothing while the programme is off. -#}
with evaluation as (
    select * from {{ ref('int_quarterly_evaluation_versions') }}
    where status = 'published' and is_latest and rank is not null
),

programme as (
    select * from {{ ref('policy_incentive_programmes') }}
    where programme = 'quarterly_ranking_bonus' and is_enabled
),

rules as (
    select * from {{ ref('policy_ranking_bonus') }}
),

ranked as (
    select
        e.employee_id,
        e.quarter,
        e.quarter_end,
        e.version,
        e.rank,
        e.graded_reps,
        r.rule_id,
        r.bonus_amount,
        cast(coalesce(r.top_n, floor(r.top_share * e.graded_reps)) as integer) as cutoff,
        r.policy_version
    from evaluation e
    inner join programme p on {{ policy_in_force('p', 'e.quarter_end') }}
    inner join rules r on {{ policy_in_force('r', 'e.quarter_end') }}
),

final as (
    select
        employee_id,
        'quarterly_ranking_bonus' as programme,
        rule_id,
        quarter as period_key,
        cast(quarter_end as date) as period_end,
        cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'quarter_end')) }} as date) as paid_month,
        {{ pay_decimal('bonus_amount') }} as base_amount,
        {{ pay_decimal(1) }} as factor,
        {{ pay_round('bonus_amount') }} as amount,
        'rank ' || cast(rank as {{ type_text() }}) || ' of ' || cast(graded_reps as {{ type_text() }})
            || ' graded in published ' || quarter || ' version ' || cast(version as {{ type_text() }})
            || ' (paid to the top ' || cast(cutoff as {{ type_text() }}) || '): bonus '
            || cast(bonus_amount as {{ type_text() }}) as calculation,
        policy_version
    from ranked
    where rank <= cutoff
)

select * from final
