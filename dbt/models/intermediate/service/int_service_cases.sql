{#- One row per service case created by the as-of date (docs/service.md, Response and resolution). Credited to the
    case owner when the owner is on the HR roster, else (a support queue) to the account owner. A complaint is a
    case whose Type or Reason the source configuration maps to complaint. The first response is First_Response__c,
    else the close (a case resolved at once was answered by resolving it); response_hours are clock hours, or with
    policy_service response_hours_basis = business the hours between business_open_hour and business_close_hour
    (company time) on the calendar's working days. first_response_within_sla: response_hours <= the policy's hours
    (2); an unanswered case created before the as-of date is late (false), one created on it pending (null).
    resolved_within_sla, complaints only: closed within the priority's SLA (policy_service_sla); an open complaint
    whose SLA has passed at the end of the as-of date is false, otherwise null. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

cases as (
    select * from {{ ref('stg_crm__case') }}
),

users as (
    select * from {{ ref('int_crm_users_mapped') }}
),

accounts as (
    select account_id, owner_employee_id from {{ ref('int_accounts_owned') }}
),

policy as (
    select * from {{ ref('policy_service') }}
),

sla as (
    select * from {{ ref('policy_service_sla') }}
),

days as (
    select * from {{ ref('int_working_days') }}
),

employees as (
    select employee_id, team_id, valid_from, valid_to from {{ ref('int_employee_versions') }}
),

survey as (
    select case_id, avg(resolution_satisfaction) as resolution_satisfaction
    from {{ ref('stg_surveys__service_survey') }}
    where case_id is not null and resolution_satisfaction is not null
    group by case_id
),

known as (
    select
        c.case_id,
        c.account_id,
        coalesce(u.employee_id, a.owner_employee_id) as employee_id,
        c.priority,
        coalesce(c.type_category = 'complaint', false) or coalesce(c.reason_category = 'complaint', false)
            as is_complaint,
        c.created_at,
        c.created_date,
        case when c.closed_date <= as_of.as_of_date then c.closed_at end as closed_at,
        case when {{ business_date('coalesce(c.first_response_at, c.closed_at)') }} <= as_of.as_of_date
            then coalesce(c.first_response_at, c.closed_at) end as responded_at,
        as_of.as_of_date
    from cases c
    cross join as_of
    left join users u on u.crm_user_id = c.owner_user_id
    left join accounts a on a.account_id = c.account_id
    where c.created_date <= as_of.as_of_date
),

with_policy as (
    select
        k.*,
        p.first_response_sla_hours,
        p.response_hours_basis,
        p.business_open_hour,
        p.business_close_hour,
        p.policy_version,
        s.resolution_sla_hours,
        {{ local_timestamp('k.created_at') }} as created_local,
        {{ local_timestamp('k.responded_at') }} as responded_local
    from known k
    inner join policy p on {{ policy_in_force('p', 'k.created_date') }}
    left join sla s on s.priority = k.priority and {{ policy_in_force('s', 'k.created_date') }}
),

{#- the working days a response spans: its first day by an equality join, the later days (one case in seven spans
    more than a day) by a range join of those cases only. A range join of every case to the calendar compared each
    case with every later calendar day (PIECEWISE_MERGE_JOIN in DuckDB): most of the model's time at scale 10. -#}
response_days as (
    select w.case_id, w.created_local, w.responded_local, w.business_open_hour, w.business_close_hour, d.calendar_date
    from with_policy w
    inner join days d on d.is_working_day and d.calendar_date = cast(w.created_local as date)
    where w.responded_local is not null and cast(w.responded_local as date) >= cast(w.created_local as date)
    union all
    select w.case_id, w.created_local, w.responded_local, w.business_open_hour, w.business_close_hour, d.calendar_date
    from with_policy w
    inner join days d
        on d.is_working_day
        and d.calendar_date > cast(w.created_local as date) and d.calendar_date <= cast(w.responded_local as date)
    where w.responded_local is not null and cast(w.responded_local as date) > cast(w.created_local as date)
),

business as (
    select
        w.case_id,
        sum(greatest(0, {{ dbt.datediff(
            "greatest(w.created_local, " ~ dbt.dateadd('second', 'cast(w.business_open_hour * 3600 as integer)', 'cast(w.calendar_date as timestamp)') ~ ")",
            "least(w.responded_local, " ~ dbt.dateadd('second', 'cast(w.business_close_hour * 3600 as integer)', 'cast(w.calendar_date as timestamp)') ~ ")",
            'second') }})) / 3600.0 as business_response_hours
    from response_days w
    group by w.case_id
),

hours as (
    select
        w.*,
        {{ dbt.datediff('w.created_at', 'w.responded_at', 'second') }} / 3600.0 as clock_response_hours,
        case when w.responded_at is not null then coalesce(b.business_response_hours, 0) end
            as business_response_hours,
        {{ dbt.datediff('w.created_at', 'w.closed_at', 'second') }} / 3600.0 as resolution_hours,
        {{ dbt.datediff('w.created_at', dbt.dateadd('day', 1, 'cast(w.as_of_date as timestamp)'), 'second') }} / 3600.0
            as open_hours_at_as_of
    from with_policy w
    left join business b on b.case_id = w.case_id
)

select
    h.case_id,
    h.account_id,
    h.employee_id,
    e.team_id,
    h.priority,
    h.is_complaint,
    h.created_at,
    h.created_date,
    h.responded_at,
    h.closed_at,
    h.clock_response_hours,
    h.business_response_hours,
    h.response_hours_basis,
    case when h.response_hours_basis = 'business' then h.business_response_hours else h.clock_response_hours end
        as response_hours,
    case
        when h.responded_at is not null
            then (case when h.response_hours_basis = 'business' then h.business_response_hours
                       else h.clock_response_hours end) <= h.first_response_sla_hours
        when h.created_date < h.as_of_date then false
    end as first_response_within_sla,
    h.resolution_hours,
    h.resolution_sla_hours,
    case
        when not h.is_complaint then null
        when h.closed_at is not null then h.resolution_hours <= h.resolution_sla_hours
        when h.open_hours_at_as_of > h.resolution_sla_hours then false
    end as resolved_within_sla,
    s.resolution_satisfaction,
    h.policy_version
from hours h
left join survey s on s.case_id = h.case_id
left join employees e on e.employee_id = h.employee_id and h.created_date between e.valid_from and e.valid_to
