with source as (
    {{ current_versions(source('surveys', 'csat_response'), ['response_id'], to_utc_timestamp('updated_at')) }}
),

renamed as (
    select
        response_id,
        account_id,
        employee_id,
        cast(survey_date as date) as survey_date,
        cast(solution_fit as decimal(9, 2)) as solution_fit,
        cast(response_speed as decimal(9, 2)) as response_speed,
        cast(problem_resolution as decimal(9, 2)) as problem_resolution,
        cast(overall_score as decimal(9, 2)) as overall_score,
        channel,
        cast(nps_score as integer) as nps_score,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    response_id, account_id, employee_id, survey_date, solution_fit, response_speed, problem_resolution,
    overall_score, channel, nps_score, updated_at, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
