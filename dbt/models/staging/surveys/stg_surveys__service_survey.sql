with source as (
    {{ current_versions(source('surveys', 'service_survey'), ['response_id'], to_utc_timestamp('updated_at')) }}
),

renamed as (
    select
        response_id,
        nullif(account_id, '') as account_id,
        nullif(employee_id, '') as employee_id,
        nullif(case_id, '') as case_id,
        cast(survey_date as date) as survey_date,
        cast(nps_score as integer) as nps_score,
        cast(resolution_satisfaction as decimal(9, 2)) as resolution_satisfaction,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    response_id, account_id, employee_id, case_id, survey_date, nps_score, resolution_satisfaction, updated_at,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
