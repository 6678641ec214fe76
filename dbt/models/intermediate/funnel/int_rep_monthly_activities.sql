{#- Activities per CRM owner and month of ActivityDate (docs/metrics.md): the counted activities (int_rep_activities:
    completed tasks and calendar events up to the as-of date) by Type, and call minutes = sum of
    CallDurationInSeconds / 60 of completed calls (events carry no call duration). -#}
with completed as (
    select
        employee_id,
        cast(date_trunc('month', activity_date) as date) as month,
        task_type,
        call_duration_seconds
    from {{ ref('int_rep_activities') }}
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
