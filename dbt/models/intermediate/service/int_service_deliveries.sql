{#- One row per delivery known by the as-of date (docs/service.md, Follow-up after delivery): an activated order,
    delivered on its ActivatedDate (business date), else its EffectiveDate; credited to the order owner, else the
    account owner. The follow-up is due by the end of the Nth working day after the delivery day (policy_service
    followup_working_days, 3); the first follow-up is the earliest completed Call, Visit or Meeting task, or Call,
    Visit or Meeting event, on the account on or after the delivery day. followed_up_in_time: true when it came by
    the due date, false when it did not and the due date has passed, null while pending (or when the calendar does
    not cover the dates: the test working_day_calendar_covers_service_dates then fails the build). -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

orders as (
    select * from {{ ref('stg_crm__order') }}
    where status = 'activated'
),

users as (
    select * from {{ ref('int_crm_users_mapped') }}
),

accounts as (
    select account_id, owner_employee_id from {{ ref('int_accounts_owned') }}
),

days as (
    select * from {{ ref('int_working_days') }}
),

policy as (
    select * from {{ ref('policy_service') }}
),

employees as (
    select employee_id, team_id, valid_from, valid_to from {{ ref('int_employee_versions') }}
),

deliveries as (
    select
        o.order_id,
        o.account_id,
        o.opportunity_id,
        o.contract_id,
        coalesce(o.activated_date, o.effective_date) as delivery_date,
        o.activated_date is null as delivered_on_effective_date,
        coalesce(u.employee_id, a.owner_employee_id) as employee_id
    from orders o
    cross join as_of
    left join users u on u.crm_user_id = o.owner_user_id
    left join accounts a on a.account_id = o.account_id
    where coalesce(o.activated_date, o.effective_date) <= as_of.as_of_date
),

due as (
    select
        d.*,
        p.followup_working_days,
        p.policy_version,
        k.calendar_date as followup_due_date
    from deliveries d
    inner join policy p on {{ policy_in_force('p', 'd.delivery_date') }}
    left join days dd on dd.calendar_date = d.delivery_date
    left join days k on k.is_working_day and k.working_day_number = dd.working_day_number + p.followup_working_days
),

followups as (
    select account_id, activity_date from {{ ref('int_account_followups') }}
),

first_followup as (
    select d.order_id, min(f.activity_date) as first_followup_date
    from due d
    cross join as_of
    inner join followups f
        on f.account_id = d.account_id and f.activity_date >= d.delivery_date and f.activity_date <= as_of.as_of_date
    group by d.order_id
)

select
    d.order_id,
    d.account_id,
    d.opportunity_id,
    d.contract_id,
    d.employee_id,
    e.team_id,
    d.delivery_date,
    d.delivered_on_effective_date,
    d.followup_working_days,
    d.followup_due_date,
    f.first_followup_date,
    case
        when d.followup_due_date is null then null
        when f.first_followup_date is not null and f.first_followup_date <= d.followup_due_date then true
        when d.followup_due_date < as_of.as_of_date then false
    end as followed_up_in_time,
    d.policy_version
from due d
cross join as_of
left join first_followup f on f.order_id = d.order_id
left join employees e on e.employee_id = d.employee_id and d.delivery_date between e.valid_from and e.valid_to
