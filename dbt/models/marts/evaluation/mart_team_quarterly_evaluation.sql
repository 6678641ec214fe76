{#- The team quarterly evaluation (docs/incentives.md, Team quarterly evaluation): one row per team and quarter.
    Team figures are sums of the members' numerators and denominators, never averages of the members' rates
    (docs/metrics.md): attainment = Σ bookings / Σ revenue targets, growth = Σ bookings / Σ bookings a year
    earlier, collection = Σ collected / Σ receivable due against the receivable-weighted target, retention =
    Σ (start customers - churned) / Σ start customers, CSAT = Σ response scores / Σ responses. A member is a rep
    with a quarterly KPI row whose team at the quarter's end (or last day employed) is the team. Each component is
    scored with the reps' rule (clamp(100 x actual / target, floor, cap)) and the same effective-dated weights of
    policy_evaluation_components in force on the quarter's last day, rescaled over the included components; the
    team target is the sum of the members' targets (no team-level target is delivered by planning). -#}
{%- set team_components = ['attainment', 'growth', 'collection', 'retention', 'satisfaction'] -%}
with kpis as (
    select * from {{ ref('int_rep_quarterly_kpis') }}
    where team_id is not null
),

collection as (
    select employee_id, quarter, collection_target_numerator, collection_target_denominator
    from {{ ref('int_rep_quarterly_collection') }}
),

csat as (
    select employee_id, quarter, csat_responses, csat_score_sum
    from {{ ref('int_rep_quarterly_csat') }}
),

policy as (
    select * from {{ ref('policy_evaluation_components') }}
),

sums as (
    select
        k.team_id,
        k.quarter,
        max(k.quarter_end) as quarter_end,
        count(*) as members,
        sum(k.bookings) as bookings,
        sum(k.revenue_target) as revenue_target,
        sum(k.bookings_previous_year) as bookings_previous_year,
        sum(k.receivable_due) as receivable_due,
        sum(k.collected) as collected,
        sum(c.collection_target_numerator) as collection_target_numerator,
        sum(c.collection_target_denominator) as collection_target_denominator,
        sum(k.start_customers) as start_customers,
        sum(k.churned) as churned,
        sum(s.csat_responses) as csat_responses,
        sum(s.csat_score_sum) as csat_score_sum
    from kpis k
    left join collection c on c.employee_id = k.employee_id and c.quarter = k.quarter
    left join csat s on s.employee_id = k.employee_id and s.quarter = k.quarter
    group by k.team_id, k.quarter
),

actuals as (
    select
        *,
        {{ attainment('bookings', 'revenue_target') }} as attainment_actual,
        cast(revenue_target as {{ type_double() }}) as attainment_target_value,
        {{ safe_ratio('bookings', 'bookings_previous_year') }} as growth_actual,
        {{ safe_ratio('collected', 'receivable_due') }} as collection_actual,
        {{ safe_ratio('collection_target_numerator', 'collection_target_denominator') }} as collection_kpi_target,
        {{ safe_ratio('start_customers - churned', 'start_customers') }} as retention_actual,
        {{ safe_ratio('csat_score_sum', 'csat_responses') }} as satisfaction_actual
    from sums
),

{#- One row per team, quarter and component: actual and target as the reps' scorecard takes them (attainment
    scored as bookings against the target, so 100 x actual / target is the attainment in percent). -#}
components as (
    {% for c in team_components %}
    select
        a.team_id,
        a.quarter,
        '{{ c }}' as component,
        cast(p.weight as decimal(9, 4)) as base_weight,
        p.policy_version,
        {% if c == 'attainment' -%}
        cast(a.bookings as {{ type_double() }}) as actual,
        cast(a.revenue_target as {{ type_double() }}) as target,
        {%- elif c == 'collection' -%}
        a.collection_actual as actual,
        a.collection_kpi_target as target,
        {%- else -%}
        a.{{ c }}_actual as actual,
        cast(p.policy_target as {{ type_double() }}) as target,
        {%- endif %}
        p.score_floor,
        p.score_cap
    from actuals a
    inner join policy p on p.component = '{{ c }}' and {{ policy_in_force('p', 'a.quarter_end') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

scored as (
    select
        *,
        {{ component_included('actual', 'target') }} as is_included,
        {{ component_score('actual', 'target', 'score_floor', 'score_cap') }} as score
    from components
),

composite as (
    select
        team_id,
        quarter,
        {{ rescaled_weighted_score('base_weight', 'score', 'is_included') }} as composite_score,
        {% for c in team_components %}
        max(case when component = '{{ c }}' then score end) as {{ c }}_score,
        {% endfor %}
        {{ dbt.listagg("case when not is_included then component end", "','", "order by component") }}
            as left_out_components,
        max(policy_version) as policy_version
    from scored
    group by team_id, quarter
),

teams as (
    select team_id, max(team_name) as team_name, max(region) as region
    from {{ ref('int_employee_versions') }}
    where is_current
    group by team_id
),

final as (
    select
        a.team_id,
        t.team_name,
        t.region,
        a.quarter,
        cast(a.quarter_end as date) as quarter_end,
        cast(a.members as integer) as members,
        cast(a.bookings as decimal(38, 8)) as bookings,
        cast(a.revenue_target as decimal(18, 2)) as revenue_target,
        a.attainment_actual as attainment,
        cast(a.bookings >= a.revenue_target as boolean) as is_above_target,
        cast(a.bookings_previous_year as decimal(38, 8)) as bookings_previous_year,
        a.growth_actual as growth_actual,
        cast(a.receivable_due as decimal(38, 8)) as receivable_due,
        cast(a.collected as decimal(38, 8)) as collected,
        a.collection_actual as collection_rate,
        a.collection_kpi_target as collection_target,
        cast(a.start_customers as integer) as start_customers,
        cast(a.churned as integer) as churned,
        a.retention_actual as retention_rate,
        cast(coalesce(a.csat_responses, 0) as integer) as csat_responses,
        a.satisfaction_actual as csat_score,
        {% for c in team_components %}
        c.{{ c }}_score,
        {% endfor %}
        nullif(c.left_out_components, '') as left_out_components,
        c.composite_score,
        cast(round(cast(c.composite_score as decimal(38, 12)), 2) as decimal(9, 2)) as composite_score_display,
        cast(case when c.composite_score is not null then
            rank() over (partition by a.quarter order by c.composite_score desc nulls last) end as integer) as team_rank,
        cast(count(c.composite_score) over (partition by a.quarter) as integer) as ranked_teams,
        c.policy_version
    from actuals a
    inner join composite c on c.team_id = a.team_id and c.quarter = a.quarter
    left join teams t on t.team_id = a.team_id
)

select * from final
