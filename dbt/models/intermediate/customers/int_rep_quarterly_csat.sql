{#- Interface for the quarterly KPI marts: csat_score = mean overall_score of the responses naming the rep
    (response employee_id) in the quarter of survey_date; only quarters with responses have a row. -#}
with responses as (
    select * from {{ ref('int_csat_responses_counted') }}
    where employee_id is not null
),

totals as (
    select
        employee_id,
        quarter,
        count(*) as csat_responses,
        sum(overall_score) as csat_score_sum
    from responses
    group by employee_id, quarter
),

final as (
    select
        employee_id,
        quarter,
        {{ safe_ratio('csat_score_sum', 'csat_responses') }} as csat_score,
        cast(csat_responses as integer) as csat_responses,
        cast(csat_score_sum as decimal(18, 2)) as csat_score_sum
    from totals
)

select * from final
