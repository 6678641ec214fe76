{#- Awards (docs/evaluation.md): monthly champion per company and per team (highest bookings; ties attainment, then
    employee_id), quarterly star ranks 1-3 by composite, rookie of the quarter (highest composite among graded reps
    hired in the 12 months before the quarter's end), annual top seller (highest annual bookings among reps graded
    in all four quarters). Quarterly and annual awards follow the latest published grading (else the draft). -#}
{{ config(materialized='view') }}
with monthly as (
    select employee_id, month, team_id, bookings, attainment
    from {{ ref('mart_rep_monthly_kpis') }}
    where bookings > 0
),

champions as (
    select
        'monthly_champion' as award,
        substr(cast(month as {{ type_text() }}), 1, 7) as period,
        scope,
        cast(1 as integer) as position,
        employee_id,
        team_id,
        cast(bookings as {{ type_double() }}) as metric_value,
        'bookings' as metric
    from (
        select m.*, 'company' as scope,
            row_number() over (partition by month order by bookings desc, coalesce(attainment, -1) desc, employee_id) as rn
        from monthly m
        union all
        select m.*, 'team:' || team_id as scope,
            row_number() over (partition by month, team_id
                order by bookings desc, coalesce(attainment, -1) desc, employee_id) as rn
        from monthly m
        where team_id is not null
    ) ranked
    where rn = 1
),

graded as (
    select * from {{ ref('mart_quarterly_evaluation_latest') }}
    where is_graded
),

stars as (
    select 'quarterly_star' as award, quarter as period, 'company' as scope, rank as position, employee_id, team_id,
        composite_score as metric_value, 'composite_score' as metric
    from graded
    where rank <= 3
),

rookies as (
    select 'rookie_of_the_quarter' as award, quarter as period, 'company' as scope, cast(1 as integer) as position,
        employee_id, team_id, composite_score as metric_value, 'composite_score' as metric
    from (
        select g.*, row_number() over (partition by quarter order by composite_score desc, employee_id) as rn
        from graded g
        where g.hire_date > cast({{ dbt.dateadd('month', '-12', 'g.quarter_end') }} as date)
    ) ranked
    where rn = 1
),

top_sellers as (
    select 'annual_top_seller' as award, cast(year as {{ type_text() }}) as period, 'company' as scope,
        cast(1 as integer) as position, employee_id, cast(null as {{ type_text() }}) as team_id,
        cast(bookings as {{ type_double() }}) as metric_value, 'bookings' as metric
    from (
        select a.*, row_number() over (partition by year order by bookings desc, employee_id) as rn
        from {{ ref('mart_annual_evaluation') }} a
        where a.quarters_graded = 4
    ) ranked
    where rn = 1
)

select * from champions
union all
select * from stars
union all
select * from rookies
union all
select * from top_sellers
