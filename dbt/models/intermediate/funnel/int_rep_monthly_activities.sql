{#- Activities per CRM owner and month of ActivityDate (docs/metrics.md): completed tasks (Status = Completed) and
    calendar events (Salesforce Event; an event on or before the as-of date took place), counted by Type, and call
    minutes = sum of CallDurationInSeconds / 60 of completed calls (events carry no call duration). Activities dated
    after the as-of date do not count. -#}
with tasks as (
    select * from {{ ref('stg_crm__task') }}
),

events as (
    select * from {{ ref('stg_crm__event') }}
),

users as (
    select * from {{ ref('int_crm_users_mapped') }}
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

completed as (
    select
        u.employee_id,
        cast(date_trunc('month', t.activity_date) as date) as month,
        t.task_type,
        t.call_duration_seconds
    from tasks t
    inner join users u on u.crm_user_id = t.owner_user_id
    cross join as_of
    where t.status = 'Completed'
        and t.activity_date <= as_of.as_of_date

    union all

    select
        u.employee_id,
        cast(date_trunc('month', e.activity_date) as date) as month,
        e.event_type as task_type,
        cast(null as integer) as call_duration_seconds
    from events e
    inner join users u on u.crm_user_id = e.owner_user_id
    cross join as_of
    where e.activity_date <= as_of.as_of_date
),

final as (
    select
        employee_id,
        month,
        cast(sum(case when task_type = 'Visit' then 1 else 0 end) as integer) as visits,
        cast(sum(case when task_type = 'Call' then 1 else 0 end) as integer) as calls,
        cast(sum(case when task_type = 'Meeting' then 1 else 0 end) as integer) as meetings,
        cast(sum(case when task_type = 'Demo' then 1 else 0 end) as integer) as demos,
        cast(sum(case when task_type = 'Proposal' then 1 else 0 end) as integer) as proposals,
        cast(sum(case when task_type = 'Email' then 1 else 0 end) as integer) as emails,
        cast(count(*) as integer) as completed_activities,
        {{ safe_ratio("coalesce(sum(case when task_type = 'Call' then call_duration_seconds end), 0)", '60') }}
            as call_minutes
    from completed
    group by employee_id, month
)

select * from final
