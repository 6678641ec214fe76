{#- Scorecard formulas of docs/evaluation.md, written once: the quarterly grading and the monthly pay statement
    both score components with these. -#}

{#- A component is left out when it has no actual, no target or a target of 0. -#}
{% macro component_included(actual, target) -%}
    ({{ actual }} is not null and {{ target }} is not null and {{ target }} <> 0)
{%- endmacro %}

{#- clamp(100 x actual / target, floor, cap); null when the component is left out. -#}
{% macro component_score(actual, target, floor=0, cap=120) -%}
    case when {{ component_included(actual, target) }} then
        least(greatest(100.0 * cast({{ actual }} as {{ type_double() }}) / cast({{ target }} as {{ type_double() }}),
            {{ floor }}), {{ cap }})
    end
{%- endmacro %}

{#- Sum of weight x score over the included components, the weights rescaled to sum to 1 (an aggregate:
    use inside a group by). Null when nothing is included. The sums run over exact decimals (products settled at
    12 places), so the result cannot depend on the order rows are aggregated in (byte-identical re-runs), and
    floating-point noise (0.35 x 120 / 0.35 = 120.00000000000001) cannot push a score past its cap. -#}
{% macro rescaled_weighted_score(weight, score, included) -%}
    cast(cast(
        sum(case when {{ included }} then cast({{ weight }} * {{ score }} as decimal(38, 12)) end)
            / nullif(sum(case when {{ included }} then cast({{ weight }} as decimal(38, 12)) end), 0)
    as decimal(38, 12)) as {{ type_double() }})
{%- endmacro %}

{#- The payout factor of a tier for attainment a: factor_at_lower + slope x (a - lower_bound), capped. -#}
{% macro tier_factor(attainment, tier) -%}
    case when {{ tier }}.factor_cap is not null
        then least({{ tier }}.factor_at_lower + {{ tier }}.slope * ({{ attainment }} - {{ tier }}.lower_bound), {{ tier }}.factor_cap)
        else {{ tier }}.factor_at_lower + {{ tier }}.slope * ({{ attainment }} - {{ tier }}.lower_bound) end
{%- endmacro %}

{#- The attainment falls in the tier (bounds with their inclusive flags; a null upper bound is open). -#}
{% macro in_tier(attainment, tier) -%}
    (({{ tier }}.lower_inclusive and {{ attainment }} >= {{ tier }}.lower_bound)
        or (not {{ tier }}.lower_inclusive and {{ attainment }} > {{ tier }}.lower_bound))
    and ({{ tier }}.upper_bound is null
        or ({{ tier }}.upper_inclusive and {{ attainment }} <= {{ tier }}.upper_bound)
        or (not {{ tier }}.upper_inclusive and {{ attainment }} < {{ tier }}.upper_bound))
{%- endmacro %}

{#- Rows of an effective-dated policy seed in force on a date. -#}
{% macro policy_in_force(policy_alias, date_expr) -%}
    {{ date_expr }} between {{ policy_alias }}.effective_from and {{ policy_alias }}.effective_to
{%- endmacro %}

{#- Grade by rank among n graded reps (docs/evaluation.md, Grades): the top floor(a_share x n) A, the bottom
    floor(c_share x n) C, the rest B; null for a rep without a rank (not graded). -#}
{% macro grade_from_rank(rank, graded, a_share, c_share) -%}
    case
        when {{ rank }} is null then null
        when {{ rank }} <= floor({{ a_share }} * {{ graded }}) then 'A'
        when {{ rank }} > {{ graded }} - floor({{ c_share }} * {{ graded }}) then 'C'
        else 'B'
    end
{%- endmacro %}

{#- The scorecard's components in scorecard order (docs/evaluation.md, Components), each with the KPI columns that
    give its actual and its KPI target (`null` where the target is a policy value of policy_evaluation_components).
    Written once: the quarterly scoring (int_evaluation_components), the grading table's wide columns
    (int_quarterly_evaluation, publish.sql's evaluation_columns) and the monthly pay score read them. `prefix` is
    put before each column name ('k.' for a table alias). -#}
{% macro scorecard_components(prefix='') -%}
    {%- set components = [
        ('attainment', '{p}bookings', '{p}revenue_target'),
        ('growth', '1 + {p}growth_yoy', 'null'),
        ('collection', '{p}collection_rate', '{p}collection_target'),
        ('retention', '{p}retention_rate', 'null'),
        ('satisfaction', '{p}csat_score', 'null'),
        ('new_customers', '{p}new_customers_weighted', '{p}new_customers_target'),
        ('review_360', '{p}review_360_score', 'null'),
        ('collaboration', '{p}collaboration_score', 'null'),
        ('learning', '{p}learning_hours', 'null'),
    ] -%}
    {%- set out = [] -%}
    {%- for name, actual, target in components -%}
        {%- do out.append((name, actual | replace('{p}', prefix), target | replace('{p}', prefix))) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- The component names alone, in scorecard order. -#}
{% macro scorecard_component_names() -%}
    {%- set names = [] -%}
    {%- for name, actual, target in scorecard_components() -%}{%- do names.append(name) -%}{%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- The components of the monthly quantitative pay score (docs/pay.md): those with a monthly KPI and target. -#}
{% macro monthly_pay_components(prefix='') -%}
    {%- set monthly = ['attainment', 'new_customers', 'collection'] -%}
    {%- set out = [] -%}
    {%- for c in scorecard_components(prefix) if c[0] in monthly -%}{%- do out.append(c) -%}{%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- Rank among the graded reps of a period (docs/evaluation.md, Ranking), written once for the quarter and the
    year: composite score desc, then attainment (none last), bookings; null when not graded. Reps the tie-breaks
    leave tied share a rank (the best of their places), so they get the same grade: never decided by identifier
    order. Adds `rank` and `graded_reps` (the number of graded reps of the period, the n of the grade
    shares) to every row of `relation`, which has the columns is_graded, composite_score, attainment and bookings. -#}
{% macro ranked_for_grading(relation, period) -%}
    select
        {{ relation }}.*,
        case when is_graded then rank() over (
            partition by {{ period }}, is_graded
            order by composite_score desc, coalesce(attainment, -1) desc, coalesce(bookings, 0) desc
        ) end as rank,
        sum(case when is_graded then 1 else 0 end) over (partition by {{ period }}) as graded_reps
    from {{ relation }}
{%- endmacro %}
