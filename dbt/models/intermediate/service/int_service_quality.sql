{#- Service quality per rep, team and company, month and quarter (docs/service.md), published as
    mart_service_quality; the scorecard reads its rep-quarter rows (int_evaluation_components, weight 0 by default). One row per period_type
    (month | quarter), period ('2025-03' | '2025Q1'), scope (rep | team | company) and scope_id (employee_id,
    team_id, 'company'). A rep's or team's row exists when it has any service fact in the period. Team is the team
    of the credited rep on the fact's date (a rep row shows the rep's team on the period's last day); the company row counts every fact, credited or not. Rates are null when
    nothing was decided (pending or no facts), never 0. Means are taken over decimals (an exact sum), so a rebuild
    gives the same bits whatever order the engine adds the rows in. -#}
with months as (
    select month, month_end, quarter from {{ ref('int_calendar_months') }}
),

{#- each calendar month in its month period and in its quarter. A dated fact finds its periods by its month (an
    equality join); matching it to the periods' date ranges made DuckDB run a range join for every fact. -#}
period_months as (
    select 'month' as period_type, substr(cast(month as {{ type_text() }}), 1, 7) as period, month, month_end
    from months
    union all
    select 'quarter', quarter, month, month_end
    from months
),

periods as (
    select period_type, period, min(month) as period_start, max(month_end) as period_end
    from period_months
    group by period_type, period
),

policy as (
    select * from {{ ref('policy_service') }}
),

accounts as (
    select account_id, owner_employee_id from {{ ref('int_accounts_owned') }}
    where account_type = 'Customer' and owner_employee_id is not null
),

employees as (
    select employee_id, team_id, valid_from, valid_to from {{ ref('int_employee_versions') }}
),

followup_activities as (
    select account_id, activity_date from {{ ref('int_account_followups') }}
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

{#- coverage: every current customer account of a rep in every period, followed up when a completed call, visit or
    meeting on it falls in the period (up to the as-of date). Accounts are current, so a rep's count of accounts is
    the same in every period: it is counted once per rep, and the accounts followed up per rep and period from each
    account's months with a follow-up. One row per account and period (3.3M at scale 10), each joined to every
    follow-up in its period, took 12 of the model's 16.8 s. -#}
followed_up_months as (
    select distinct f.account_id, cast(date_trunc('month', f.activity_date) as date) as month
    from followup_activities f
    cross join as_of
    where f.activity_date <= as_of.as_of_date
),

rep_accounts as (
    select owner_employee_id as employee_id, count(distinct account_id) as customer_accounts
    from accounts
    group by owner_employee_id
),

rep_accounts_followed_up as (
    select a.owner_employee_id as employee_id, p.period_type, p.period, count(distinct a.account_id) as accounts
    from accounts a
    inner join followed_up_months f on f.account_id = a.account_id
    inner join period_months p on p.month = f.month
    group by a.owner_employee_id, p.period_type, p.period
),

coverage as (
    select
        p.period_type, p.period, r.employee_id, e.team_id, r.customer_accounts,
        coalesce(fu.accounts, 0) as accounts_followed_up
    from periods p
    cross join rep_accounts r
    cross join as_of
    left join rep_accounts_followed_up fu
        on fu.employee_id = r.employee_id and fu.period_type = p.period_type and fu.period = p.period
    left join employees e on e.employee_id = r.employee_id and p.period_end between e.valid_from and e.valid_to
    where p.period_start <= as_of.as_of_date
),

facts as (
    select
        p.period_type, p.period, d.employee_id, d.team_id,
        1 as delivery, d.followed_up_in_time,
        cast(null as bigint) as customer_accounts, cast(null as bigint) as accounts_followed_up,
        cast(null as integer) as service_case, cast(null as boolean) as first_response_within_sla,
        cast(null as {{ type_double() }}) as response_hours,
        cast(null as integer) as complaint, cast(null as boolean) as resolved_within_sla,
        cast(null as decimal(18, 6)) as resolution_satisfaction,
        cast(null as integer) as nps_score, cast(null as boolean) as is_promoter, cast(null as boolean) as is_detractor,
        cast(null as decimal(9, 2)) as csat_overall, cast(null as decimal(9, 2)) as solution_fit,
        cast(null as decimal(9, 2)) as response_speed, cast(null as decimal(9, 2)) as problem_resolution
    from {{ ref('int_service_deliveries') }} d
    inner join period_months p on p.month = cast(date_trunc('month', d.delivery_date) as date)

    union all

    select
        period_type, period, employee_id, team_id, null, null, customer_accounts, accounts_followed_up,
        null, null, null, null, null, null, null, null, null, null, null, null, null
    from coverage

    union all

    select
        p.period_type, p.period, c.employee_id, c.team_id, null, null, null, null,
        1, c.first_response_within_sla, c.response_hours,
        case when c.is_complaint then 1 end, c.resolved_within_sla,
        case when c.is_complaint then cast(c.resolution_satisfaction as decimal(18, 6)) end,
        null, null, null, null, null, null, null
    from {{ ref('int_service_cases') }} c
    inner join period_months p on p.month = cast(date_trunc('month', c.created_date) as date)

    union all

    select
        p.period_type, p.period, n.employee_id, n.team_id, null, null, null, null, null, null, null, null, null, null,
        n.nps_score, n.is_promoter, n.is_detractor, null, null, null, null
    from {{ ref('int_service_survey_answers') }} n
    inner join period_months p on p.month = cast(date_trunc('month', n.survey_date) as date)

    union all

    select
        p.period_type, p.period, r.employee_id, e.team_id, null, null, null, null, null, null, null, null, null, null,
        null, null, null,
        cast(r.overall_score as decimal(9, 2)), cast(r.solution_fit as decimal(9, 2)),
        cast(r.response_speed as decimal(9, 2)), cast(r.problem_resolution as decimal(9, 2))
    from {{ ref('stg_surveys__csat_response') }} r
    cross join as_of
    inner join period_months p on p.month = cast(date_trunc('month', r.survey_date) as date)
    left join employees e on e.employee_id = r.employee_id and r.survey_date between e.valid_from and e.valid_to
    where r.survey_date <= as_of.as_of_date
),

aggregated as (
    select
        period_type,
        period,
        case when grouping(employee_id) = 0 then 'rep' when grouping(team_id) = 0 then 'team' else 'company' end
            as scope,
        employee_id,
        team_id,
        cast(count(delivery) as integer) as deliveries,
        cast(count(followed_up_in_time) as integer) as deliveries_decided,
        cast(sum(case when followed_up_in_time then 1 else 0 end) as integer) as followed_up_in_time,
        cast(coalesce(sum(customer_accounts), 0) as integer) as customer_accounts,
        cast(coalesce(sum(accounts_followed_up), 0) as integer) as accounts_followed_up,
        cast(count(service_case) as integer) as cases,
        cast(count(first_response_within_sla) as integer) as responses_decided,
        cast(sum(case when first_response_within_sla then 1 else 0 end) as integer) as responses_within_sla,
        percentile_cont(0.5) within group (order by response_hours) as median_response_hours,
        cast(count(complaint) as integer) as complaints,
        cast(count(resolved_within_sla) as integer) as complaints_decided,
        cast(sum(case when resolved_within_sla then 1 else 0 end) as integer) as complaints_resolved_within_sla,
        cast(avg(resolution_satisfaction) as {{ type_double() }}) as resolution_satisfaction,
        cast(count(nps_score) as integer) as nps_responses,
        cast(sum(case when is_promoter then 1 else 0 end) as integer) as promoters,
        cast(sum(case when is_detractor then 1 else 0 end) as integer) as detractors,
        cast(count(csat_overall) as integer) as csat_responses,
        cast(avg(csat_overall) as {{ type_double() }}) as csat_score,
        cast(avg(solution_fit) as {{ type_double() }}) as csat_solution_fit,
        cast(avg(response_speed) as {{ type_double() }}) as csat_response_speed,
        cast(avg(problem_resolution) as {{ type_double() }}) as csat_problem_resolution
    from facts
    group by grouping sets ((period_type, period, employee_id), (period_type, period, team_id), (period_type, period))
),

rated as (
    select
        a.period_type, a.period, a.scope, a.employee_id,
        case when a.scope = 'rep' then e.team_id else a.team_id end as team_id,
        a.deliveries, a.deliveries_decided, a.followed_up_in_time, a.customer_accounts, a.accounts_followed_up,
        a.cases, a.responses_decided, a.responses_within_sla, a.median_response_hours, a.complaints,
        a.complaints_decided, a.complaints_resolved_within_sla, a.resolution_satisfaction, a.nps_responses,
        a.promoters, a.detractors, a.csat_responses, a.csat_score, a.csat_solution_fit, a.csat_response_speed,
        a.csat_problem_resolution,
        case when a.scope = 'rep' then a.employee_id when a.scope = 'team' then a.team_id else 'company' end
            as scope_id,
        {{ safe_ratio('a.followed_up_in_time', 'a.deliveries_decided') }} as followup_in_time_rate,
        {{ safe_ratio('a.accounts_followed_up', 'a.customer_accounts') }} as followup_coverage,
        {{ safe_ratio('a.responses_within_sla', 'a.responses_decided') }} as first_response_rate,
        {{ safe_ratio('a.complaints_resolved_within_sla', 'a.complaints_decided') }} as complaint_resolution_rate,
        {{ safe_ratio('100.0 * (a.promoters - a.detractors)', 'a.nps_responses') }} as nps,
        p.period_end,
        pol.best_service_min_responses,
        pol.policy_version
    from aggregated a
    inner join periods p on p.period_type = a.period_type and p.period = a.period
    inner join policy pol on {{ policy_in_force('pol', 'p.period_end') }}
    left join employees e on a.scope = 'rep' and e.employee_id = a.employee_id
        and p.period_end between e.valid_from and e.valid_to
    where not (a.scope = 'rep' and a.employee_id is null) and not (a.scope = 'team' and a.team_id is null)
),

{#- quarterly rep extras: CSAT falling two consecutive quarters; the best-service award (highest NPS among the reps
    with at least best_service_min_responses NPS answers, then CSAT, then first-response rate; ties share it) -#}
rep_quarters as (
    select
        employee_id,
        period,
        csat_score,
        cast(substr(period, 1, 4) as integer) * 4 + cast(substr(period, 6, 1) as integer) as quarter_index,
        lag(csat_score, 1) over (partition by employee_id order by period) as csat_previous,
        lag(csat_score, 2) over (partition by employee_id order by period) as csat_before_previous,
        lag(cast(substr(period, 1, 4) as integer) * 4 + cast(substr(period, 6, 1) as integer), 2)
            over (partition by employee_id order by period) as quarter_index_before_previous,
        nps_responses >= best_service_min_responses and nps is not null as award_eligible,
        nps,
        first_response_rate
    from rated
    where scope = 'rep' and period_type = 'quarter'
),

flags as (
    select
        employee_id,
        period,
        case
            when csat_score is null or csat_previous is null or csat_before_previous is null then null
            when quarter_index_before_previous <> quarter_index - 2 then null
            else csat_score < csat_previous and csat_previous < csat_before_previous
        end as csat_falling_two_quarters,
        award_eligible,
        case when award_eligible then rank() over (
            partition by period, award_eligible
            order by nps desc, coalesce(csat_score, -1) desc, coalesce(first_response_rate, -1) desc
        ) end as award_rank
    from rep_quarters
)

select
    r.period_type,
    r.period,
    r.period_end,
    r.scope,
    r.scope_id,
    r.employee_id,
    r.team_id,
    r.deliveries,
    r.deliveries_decided,
    r.followed_up_in_time,
    r.followup_in_time_rate,
    r.customer_accounts,
    r.accounts_followed_up,
    r.followup_coverage,
    r.cases,
    r.responses_decided,
    r.responses_within_sla,
    r.first_response_rate,
    r.median_response_hours,
    r.complaints,
    r.complaints_decided,
    r.complaints_resolved_within_sla,
    r.complaint_resolution_rate,
    r.resolution_satisfaction,
    r.nps_responses,
    r.promoters,
    r.detractors,
    r.nps,
    r.csat_responses,
    r.csat_score,
    r.csat_solution_fit,
    r.csat_response_speed,
    r.csat_problem_resolution,
    f.csat_falling_two_quarters,
    case when f.employee_id is null then null else coalesce(f.award_rank = 1, false) end as best_service_award,
    r.policy_version
from rated r
left join flags f on r.scope = 'rep' and r.period_type = 'quarter' and f.employee_id = r.employee_id
    and f.period = r.period
