{#- The quarterly customer health report (docs/service.md, Customer health): one row per current customer account
    and quarter (from the quarter the account was created in to the as-of quarter). Each component is scored 0-100
    and null without data; health_score is the policy-weighted mean of the scored components (policy_health_weights,
    weights of the missing ones left out and the rest rescaled). at_risk: health below policy_service's
    health_at_risk_below, or CSAT falling two consecutive quarters. Means are taken over integers and decimals (exact
    sums), so a rebuild gives the same bits. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

months as (
    select month, month_end, quarter from {{ ref('int_calendar_months') }}
),

quarters as (
    select quarter, min(month) as quarter_start, max(month_end) as quarter_end
    from months
    group by quarter
),

accounts as (
    select account_id, owner_employee_id, created_at from {{ ref('int_accounts_owned') }}
    where account_type = 'Customer'
),

spine as (
    select a.account_id, a.owner_employee_id, q.quarter, q.quarter_start, q.quarter_end
    from accounts a
    cross join quarters q
    cross join as_of
    where {{ business_date('a.created_at') }} <= q.quarter_end and q.quarter_start <= as_of.as_of_date
),

{#- The facts are aggregated per account and quarter on their own, a fact finding its quarter by its month (an
    equality join), and the aggregates are left-joined to the spine (those of an account and quarter outside it are
    not read): matching every fact to every quarter of its account by date range cost most of the model's time at
    scale 10. -#}
usage as (
    select
        u.account_id, m.quarter,
        cast(avg(u.active_users) as {{ type_double() }}) as active_users,
        cast(sum(u.sessions) as integer) as sessions,
        cast(count(u.usage_month) as integer) as usage_months
    from {{ ref('stg_product__usage') }} u
    inner join months m on m.month = cast(date_trunc('month', u.usage_month) as date)
    group by u.account_id, m.quarter
),

cases as (
    select
        c.account_id, m.quarter,
        cast(count(*) as integer) as cases,
        cast(sum(case when c.is_complaint then 1 else 0 end) as integer) as complaints,
        cast(count(c.resolved_within_sla) as integer) as complaints_decided,
        cast(sum(case when c.resolved_within_sla then 1 else 0 end) as integer) as complaints_resolved_within_sla,
        cast(avg(cast(c.resolution_hours as decimal(18, 6))) as {{ type_double() }}) as avg_resolution_hours
    from {{ ref('int_service_cases') }} c
    inner join months m on m.month = cast(date_trunc('month', c.created_date) as date)
    group by c.account_id, m.quarter
),

case_data as (
    select count(*) > 0 as has_cases from {{ ref('int_service_cases') }}
),

csat as (
    select
        r.account_id, m.quarter,
        cast(avg(r.overall_score) as {{ type_double() }}) as csat_score
    from {{ ref('stg_surveys__csat_response') }} r
    cross join as_of
    inner join months m on m.month = cast(date_trunc('month', r.survey_date) as date)
    where r.survey_date <= as_of.as_of_date
    group by r.account_id, m.quarter
),

nps as (
    select
        n.account_id, m.quarter,
        cast(count(*) as integer) as nps_responses,
        {{ safe_ratio('100.0 * (sum(case when n.is_promoter then 1 else 0 end) - sum(case when n.is_detractor then 1 else 0 end))', 'count(*)') }} as nps
    from {{ ref('int_service_survey_answers') }} n
    inner join months m on m.month = cast(date_trunc('month', n.survey_date) as date)
    group by n.account_id, m.quarter
),

followups as (
    select
        f.account_id, m.quarter, cast(count(*) as integer) as followups
    from {{ ref('int_account_followups') }} f
    cross join as_of
    inner join months m on m.month = cast(date_trunc('month', f.activity_date) as date)
    where f.activity_date <= as_of.as_of_date
    group by f.account_id, m.quarter
),

opportunities as (
    select
        s.account_id, s.quarter, cast(count(*) as integer) as open_opportunities
    from spine s
    inner join {{ ref('stg_crm__opportunity') }} o
        on o.account_id = s.account_id and o.created_date <= s.quarter_end
        and (not o.is_closed or o.close_date > s.quarter_end)
    group by s.account_id, s.quarter
),

joined as (
    select
        s.account_id,
        s.owner_employee_id as employee_id,
        s.quarter,
        s.quarter_end,
        u.active_users,
        coalesce(u.sessions, 0) as sessions,
        coalesce(u.usage_months, 0) as usage_months,
        lag(u.active_users) over (partition by s.account_id order by s.quarter_start) as active_users_previous,
        coalesce(c.cases, 0) as cases,
        coalesce(c.complaints, 0) as complaints,
        coalesce(c.complaints_decided, 0) as complaints_decided,
        coalesce(c.complaints_resolved_within_sla, 0) as complaints_resolved_within_sla,
        c.avg_resolution_hours,
        cd.has_cases,
        cs.csat_score,
        lag(cs.csat_score, 1) over (partition by s.account_id order by s.quarter_start) as csat_previous,
        lag(cs.csat_score, 2) over (partition by s.account_id order by s.quarter_start) as csat_before_previous,
        coalesce(n.nps_responses, 0) as nps_responses,
        n.nps,
        coalesce(f.followups, 0) as followups,
        coalesce(o.open_opportunities, 0) as open_opportunities
    from spine s
    cross join case_data cd
    left join usage u on u.account_id = s.account_id and u.quarter = s.quarter
    left join cases c on c.account_id = s.account_id and c.quarter = s.quarter
    left join csat cs on cs.account_id = s.account_id and cs.quarter = s.quarter
    left join nps n on n.account_id = s.account_id and n.quarter = s.quarter
    left join followups f on f.account_id = s.account_id and f.quarter = s.quarter
    left join opportunities o on o.account_id = s.account_id and o.quarter = s.quarter
),

scored as (
    select
        j.*,
        {{ safe_ratio('j.active_users', 'j.active_users_previous') }} - 1 as usage_change,
        case when j.csat_score is null or j.csat_previous is null then null
             else j.csat_score - j.csat_previous end as csat_change,
        case when j.csat_score is null or j.csat_previous is null or j.csat_before_previous is null then null
             else j.csat_score < j.csat_previous and j.csat_previous < j.csat_before_previous
        end as csat_falling_two_quarters,
        {{ safe_ratio('j.complaints_resolved_within_sla', 'j.complaints_decided') }} as complaint_resolution_rate,
        case when j.active_users is null or j.active_users_previous is null or j.active_users_previous = 0 then null
             else least(100.0, greatest(0.0, 100.0 * j.active_users / j.active_users_previous)) end as usage_score,
        case when j.has_cases then greatest(0.0, 100.0 - 25.0 * j.complaints) end as cases_score,
        100.0 * {{ safe_ratio('j.complaints_resolved_within_sla', 'j.complaints_decided') }} as resolution_score,
        j.csat_score as csat_component_score,
        case when j.nps is not null then (j.nps + 100.0) / 2 end as nps_score,
        case when j.followups > 0 then 100.0 else 0.0 end as followup_score
    from joined j
),

weights as (
    select
        q.quarter,
        max(case when w.component = 'usage' then w.weight end) as w_usage,
        max(case when w.component = 'cases' then w.weight end) as w_cases,
        max(case when w.component = 'resolution' then w.weight end) as w_resolution,
        max(case when w.component = 'csat' then w.weight end) as w_csat,
        max(case when w.component = 'nps' then w.weight end) as w_nps,
        max(case when w.component = 'followup' then w.weight end) as w_followup,
        max(w.policy_version) as policy_version
    from quarters q
    inner join {{ ref('policy_health_weights') }} w on {{ policy_in_force('w', 'q.quarter_end') }}
    group by q.quarter
),

health as (
    select
        s.*,
        w.policy_version,
        (coalesce(w.w_usage * s.usage_score, 0) + coalesce(w.w_cases * s.cases_score, 0)
            + coalesce(w.w_resolution * s.resolution_score, 0) + coalesce(w.w_csat * s.csat_component_score, 0)
            + coalesce(w.w_nps * s.nps_score, 0) + coalesce(w.w_followup * s.followup_score, 0))
        / nullif(
            case when s.usage_score is null then 0 else w.w_usage end
            + case when s.cases_score is null then 0 else w.w_cases end
            + case when s.resolution_score is null then 0 else w.w_resolution end
            + case when s.csat_component_score is null then 0 else w.w_csat end
            + case when s.nps_score is null then 0 else w.w_nps end
            + case when s.followup_score is null then 0 else w.w_followup end, 0) as health_score
    from scored s
    inner join weights w on w.quarter = s.quarter
)

select
    h.account_id,
    h.quarter,
    h.quarter_end,
    h.employee_id,
    cast(h.active_users as {{ type_double() }}) as active_users,
    h.sessions,
    h.usage_months,
    cast(h.usage_change as {{ type_double() }}) as usage_change,
    h.cases,
    h.complaints,
    cast(h.complaint_resolution_rate as {{ type_double() }}) as complaint_resolution_rate,
    cast(h.avg_resolution_hours as {{ type_double() }}) as avg_resolution_hours,
    cast(h.csat_score as {{ type_double() }}) as csat_score,
    cast(h.csat_change as {{ type_double() }}) as csat_change,
    h.csat_falling_two_quarters,
    h.nps_responses,
    cast(h.nps as {{ type_double() }}) as nps,
    h.followups,
    h.open_opportunities,
    cast(h.usage_score as {{ type_double() }}) as usage_score,
    cast(h.cases_score as {{ type_double() }}) as cases_score,
    cast(h.resolution_score as {{ type_double() }}) as resolution_score,
    cast(h.nps_score as {{ type_double() }}) as nps_score,
    cast(h.followup_score as {{ type_double() }}) as followup_score,
    cast(h.health_score as {{ type_double() }}) as health_score,
    coalesce(h.health_score < p.health_at_risk_below, false) or coalesce(h.csat_falling_two_quarters, false)
        as at_risk,
    h.policy_version
from health h
inner join {{ ref('policy_service') }} p on {{ policy_in_force('p', 'h.quarter_end') }}
