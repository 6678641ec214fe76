{#- Satisfaction per account and quarter (docs/metrics.md, Satisfaction). Formulas live in int_account_quarterly_csat;
    this only assembles. -#}
with account_csat as (
    select * from {{ ref('int_account_quarterly_csat') }}
),

final as (
    select
        account_id,
        quarter,
        employee_id,
        csat_score,
        csat_responses,
        at_risk,
        referral_candidate,
        is_latest_quarter,
        last_survey_date
    from account_csat
)

select * from final
