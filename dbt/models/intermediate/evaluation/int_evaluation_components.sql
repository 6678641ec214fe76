{#- One row per rep, quarter and scorecard component: actual, target, score and the weight used after
    rescaling (0 when left out). Policy rows are those in force on the quarter's last day. The service components
    (docs/service.md, from int_service_quality) join only where their policy weight is above 0: at the shipped weight
    0 they add no row, so grades and the published columns stay as they were until a company opts in. -#}
{%- set components = scorecard_components() -%}
{%- set service_components = [
    ('first_response', 'first_response_rate'), ('followup_in_time', 'followup_in_time_rate'),
    ('followup_coverage', 'followup_coverage'), ('complaint_resolution', 'complaint_resolution_rate'),
    ('nps', 'nps'),
] -%}
with kpis as (
    select * from {{ ref('int_rep_quarterly_kpis') }}
),

policy as (
    select * from {{ ref('policy_evaluation_components') }}
),

service as (
    select * from {{ ref('int_service_quality') }}
),

actuals as (
    {% for name, actual, target in components %}
    select
        employee_id,
        quarter,
        quarter_end,
        '{{ name }}' as component,
        cast({{ actual }} as {{ type_double() }}) as actual,
        cast({{ target }} as {{ type_double() }}) as kpi_target
    from kpis
    union all
    {% endfor %}
    {% for name, column in service_components %}
    select
        k.employee_id,
        k.quarter,
        k.quarter_end,
        '{{ name }}' as component,
        cast(s.{{ column }} as {{ type_double() }}) as actual,
        cast(null as {{ type_double() }}) as kpi_target
    from kpis k
    left join service s
        on s.scope = 'rep' and s.period_type = 'quarter' and s.employee_id = k.employee_id and s.period = k.quarter
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

targeted as (
    select
        a.employee_id,
        a.quarter,
        a.component,
        p.component_group,
        p.is_quantitative,
        cast(p.weight as decimal(9, 4)) as base_weight,
        a.actual,
        coalesce(cast(p.policy_target as {{ type_double() }}), a.kpi_target) as target,
        p.score_floor,
        p.score_cap,
        p.policy_version
    from actuals a
    inner join policy p on p.component = a.component and {{ policy_in_force('p', 'a.quarter_end') }}
        and (p.weight > 0 or a.component not in (
            {%- for name, column in service_components %}'{{ name }}'{% if not loop.last %}, {% endif %}{% endfor -%}))
),

scored as (
    select
        *,
        {{ component_included('actual', 'target') }} as is_included,
        {{ component_score('actual', 'target', 'score_floor', 'score_cap') }} as score
    from targeted
),

totals as (
    select employee_id, quarter, sum(case when is_included then base_weight end) as included_weight
    from scored
    group by employee_id, quarter
)

select
    s.employee_id,
    s.quarter,
    s.component,
    s.component_group,
    s.is_quantitative,
    s.base_weight,
    s.actual,
    s.target,
    s.score,
    s.is_included,
    case when s.is_included
        then cast(s.base_weight as {{ type_double() }}) / cast(t.included_weight as {{ type_double() }}) else 0
    end as weight_used,
    s.policy_version
from scored s
inner join totals t on t.employee_id = s.employee_id and t.quarter = s.quarter
