{#- The annual review (docs/evaluation.md, Cadence): the four quarters combined. Annual composite = mean of the
    quarterly composite scores (latest published version, else draft); only reps graded in all four quarters are
    ranked and graded, with the quarterly distribution rule (top floor(10% n) A, bottom C). Growth is compared
    with the industry benchmark of the policy in force on the year's last day. -#}
{{ config(materialized='view') }}
with quarters as (
    select
        employee_id,
        cast(substr(quarter, 1, 4) as integer) as year,
        composite_score,
        is_graded,
        grade,
        is_final
    from {{ ref('mart_quarterly_evaluation_latest') }}
),

kpis as (
    select
        employee_id,
        cast(substr(quarter, 1, 4) as integer) as year,
        sum(bookings) as bookings,
        sum(revenue_target) as revenue_target
    from {{ ref('mart_rep_quarterly_kpis') }}
    group by employee_id, cast(substr(quarter, 1, 4) as integer)
),

yearly as (
    select
        k.employee_id,
        k.year,
        k.bookings,
        k.revenue_target,
        py.bookings as bookings_previous_year,
        count(q.employee_id) filter (where q.is_graded) as quarters_graded,
        -- averaged as exact decimals so the result does not depend on row order
        cast(avg(cast(q.composite_score as decimal(38, 12))) filter (where q.is_graded) as {{ type_double() }})
            as composite_score,
        coalesce(bool_and(q.is_final), false) as is_final,
        count(q.employee_id) filter (where q.grade = 'A') as a_quarters,
        count(q.employee_id) filter (where q.grade = 'C') as c_quarters
    from kpis k
    left join kpis py on py.employee_id = k.employee_id and py.year = k.year - 1
    left join quarters q on q.employee_id = k.employee_id and q.year = k.year
    group by k.employee_id, k.year, k.bookings, k.revenue_target, py.bookings
),

policy as (
    select * from {{ ref('policy_annual') }}
),

scored as (
    select
        y.*,
        {{ attainment('y.bookings', 'y.revenue_target') }} as attainment,
        {{ growth('y.bookings', 'coalesce(y.bookings_previous_year, 0)') }} as growth_yoy,
        cast(p.industry_growth as {{ type_double() }}) as industry_growth,
        p.a_share,
        p.c_share,
        p.policy_version,
        y.quarters_graded = 4 as is_graded
    from yearly y
    inner join policy p on {{ policy_in_force('p', "cast(cast(y.year as " ~ type_text() ~ ") || '-12-31' as date)") }}
),

ranked as (
    {{ ranked_for_grading('scored', 'year') }}
)

select
    employee_id,
    year,
    cast(bookings as decimal(38, 8)) as bookings,
    cast(bookings_previous_year as decimal(38, 8)) as bookings_previous_year,
    cast(revenue_target as decimal(18, 2)) as revenue_target,
    attainment,
    growth_yoy,
    industry_growth,
    growth_yoy - industry_growth as growth_vs_industry,
    cast(quarters_graded as integer) as quarters_graded,
    composite_score,
    cast(rank as integer) as rank,
    cast(graded_reps as integer) as graded_reps,
    {{ grade_from_rank('rank', 'graded_reps', 'a_share', 'c_share') }} as grade,
    case when not is_graded then 'not_graded_all_quarters' end as ungraded_reason,
    is_final,
    policy_version
from ranked
