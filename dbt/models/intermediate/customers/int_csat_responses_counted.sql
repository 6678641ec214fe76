{#- Satisfaction answers that count (docs/metrics.md, Satisfaction): current responses with an overall_score, surveyed
    on or before the as-of date, with the quarter of survey_date. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

responses as (
    select * from {{ ref('stg_surveys__csat_response') }}
),

final as (
    select
        r.response_id,
        r.account_id,
        r.employee_id,
        r.survey_date,
        {{ quarter_label('r.survey_date') }} as quarter,
        r.overall_score,
        r.channel
    from responses r
    cross join as_of
    where r.overall_score is not null
        and r.survey_date is not null
        and r.survey_date <= as_of.as_of_date
)

select * from final
