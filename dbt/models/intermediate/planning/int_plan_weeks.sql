{#- ISO weeks (docs/planning.md, week grain): label `2026-W05`, its Monday and Sunday, from a week before the first
    data month to the end of the year after the later of the as-of year and the latest plan year, so a plan made
    ahead of its year has its weeks. Built from a day spine, not from date arithmetic on the label, so the label of a
    week and the label of a date inside it come from the same macro. -#}
with spine as (
    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", "cast('2101-01-01' as date)") }}
),

plan_years as (
    select max(plan_year) as last_plan_year from {{ ref('stg_planning__plan') }}
),

bounds as (
    select
        cast({{ dbt.dateadd('day', '-7', 'd.first_month') }} as date) as first_day,
        case when p.last_plan_year > cast(extract(year from a.as_of_date) as integer) then p.last_plan_year
             else cast(extract(year from a.as_of_date) as integer) end + 1 as last_year
    from {{ ref('int_data_months') }} d
    cross join {{ ref('int_run_as_of') }} a
    cross join plan_years p
),

days as (
    select cast(s.date_day as date) as day
    from spine s
    cross join bounds b
    where cast(s.date_day as date) >= b.first_day and extract(year from s.date_day) <= b.last_year
)

select
    {{ iso_week_label('day') }} as week,
    min(day) as week_start,
    max(day) as week_end
from days
group by {{ iso_week_label('day') }}
