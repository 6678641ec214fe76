{#- Satisfaction per account and quarter (docs/metrics.md, Satisfaction), the formulas held here (no intermediate
    copy): mean overall_score of the account's responses, at risk
    below 80, referral candidate from 90 (policy_customers, in force on the quarter's last day); is_latest_quarter
    marks the account's latest quarter with answers (the one the at-risk and referral lists use). employee_id is the account's current owner (null for an unknown account). -#}
with responses as (
    select * from {{ ref('int_csat_responses_counted') }}
    where account_id is not null
),

accounts as (
    select account_id, owner_employee_id from {{ ref('int_accounts_owned') }}
),

policy as (
    select csat_at_risk_below, csat_referral_from, effective_from, effective_to from {{ ref('policy_customers') }}
),

totals as (
    select
        account_id,
        quarter,
        max(survey_date) as last_survey_date,
        count(*) as csat_responses,
        sum(overall_score) as csat_score_sum
    from responses
    group by account_id, quarter
),

scored as (
    select
        account_id,
        quarter,
        last_survey_date,
        csat_responses,
        csat_score_sum,
        {{ safe_ratio('csat_score_sum', 'csat_responses') }} as csat_score,
        row_number() over (partition by account_id order by last_survey_date desc) as recency_rank
    from totals
),

final as (
    select
        s.account_id,
        s.quarter,
        a.owner_employee_id as employee_id,
        s.csat_score,
        cast(s.csat_responses as integer) as csat_responses,
        (s.csat_score < p.csat_at_risk_below) as at_risk,
        (s.csat_score >= p.csat_referral_from) as referral_candidate,
        s.recency_rank = 1 as is_latest_quarter,
        s.last_survey_date
    from scored s
    left join accounts a on a.account_id = s.account_id
    -- the policy in force on the quarter's last day (the quarter of the answers)
    inner join policy p
        on {{ policy_in_force('p', 'cast(' ~ dbt.last_day('cast(' ~ dbt.dateadd('month', 2, "cast(date_trunc('quarter', s.last_survey_date) as date)") ~ ' as date)', 'month') ~ ' as date)') }}
)

select * from final
