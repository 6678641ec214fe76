{#- Visits and calls per rep and ISO week (docs/planning.md, The week's activity), the weekly grain of the plan's
    visits_per_rep_week and calls_per_rep_week policies. An activity counts as in int_rep_monthly_activities (the
    monthly KPIs): a completed CRM task (Status = Completed) or a calendar event, of the CRM owner's employee,
    dated on or before the as-of date, by Type (Visit, Call). Kept a separate model rather than a re-grouping of
    the monthly one because an ISO week straddles two months. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

users as (
    select * from {{ ref('int_crm_users_mapped') }}
),

counted as (
    select u.employee_id, t.activity_date, t.task_type
    from {{ ref('stg_crm__task') }} t
    inner join users u on u.crm_user_id = t.owner_user_id
    cross join as_of
    where t.status = 'Completed' and t.activity_date <= as_of.as_of_date

    union all

    select u.employee_id, e.activity_date, e.event_type
    from {{ ref('stg_crm__event') }} e
    inner join users u on u.crm_user_id = e.owner_user_id
    cross join as_of
    where e.activity_date <= as_of.as_of_date
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
