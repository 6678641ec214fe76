{#- Visits and calls per rep and ISO week (docs/planning.md, Target versus actual), the weekly grain of the plan's
    visits_per_rep_week and calls_per_rep_week policies: the counted activities (int_rep_activities, as the monthly
    KPIs count them) of Type Visit and Call, grouped by the ISO week of their date (a week may straddle two
    months, so it is not a re-grouping of the monthly counts). Each activity date is matched to its week once
    (a few hundred dates), and the activities join that by date: a range join of every activity (10M at scale 10)
    to the weeks took 7 s of CPU. -#}
with counted as (
    select employee_id, activity_date, task_type from {{ ref('int_rep_activities') }}
),

weeks as (
    select week, week_start, week_end from {{ ref('int_plan_weeks') }}
),

activity_dates as (
    select distinct activity_date from counted
),

date_weeks as (
    select d.activity_date, w.week, w.week_start, w.week_end
    from activity_dates d
    inner join weeks w on d.activity_date between w.week_start and w.week_end
)

select
    c.employee_id,
    w.week,
    w.week_start,
    w.week_end,
    cast(sum(case when c.task_type = 'Visit' then 1 else 0 end) as integer) as visits,
    cast(sum(case when c.task_type = 'Call' then 1 else 0 end) as integer) as calls
from counted c
inner join date_weeks w on w.activity_date = c.activity_date
group by c.employee_id, w.week, w.week_start, w.week_end
