{#- Visits and calls per rep and ISO week (docs/planning.md, Target versus actual), the weekly grain of the plan's
    visits_per_rep_week and calls_per_rep_week policies: the counted activities (int_rep_activities, as the monthly
    KPIs count them) of Type Visit and Call, grouped by the ISO week of their date (a week may straddle two
    months, so it is not a re-grouping of the monthly counts). -#}
with counted as (
    select employee_id, activity_date, task_type from {{ ref('int_rep_activities') }}
)

select
    c.employee_id,
    w.week,
    w.week_start,
    w.week_end,
    cast(sum(case when c.task_type = 'Visit' then 1 else 0 end) as integer) as visits,
    cast(sum(case when c.task_type = 'Call' then 1 else 0 end) as integer) as calls
from counted c
inner join {{ ref('int_plan_weeks') }} w on c.activity_date between w.week_start and w.week_end
group by c.employee_id, w.week, w.week_start, w.week_end
