{#- The activities that count (docs/metrics.md), one row each: a completed CRM task (Status = Completed) or a
    calendar event (Salesforce Event; an event on or before the as-of date took place), of the CRM owner's
    employee, dated on or before the as-of date, with its Type and call duration (events carry none). The one
    definition of a counted activity: the monthly KPIs (int_rep_monthly_activities) and the plan's weekly visits and
    calls (int_rep_weekly_activities) group these rows by month and by ISO week. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

users as (
    select * from {{ ref('int_crm_users_mapped') }}
)

select
    u.employee_id,
    t.activity_date,
    t.task_type,
    t.call_duration_seconds
from {{ ref('stg_crm__task') }} t
inner join users u on u.crm_user_id = t.owner_user_id
cross join as_of
where t.status = 'Completed'
    and t.activity_date <= as_of.as_of_date

union all

select
    u.employee_id,
    e.activity_date,
    e.event_type as task_type,
    cast(null as integer) as call_duration_seconds
from {{ ref('stg_crm__event') }} e
inner join users u on u.crm_user_id = e.owner_user_id
cross join as_of
where e.activity_date <= as_of.as_of_date
