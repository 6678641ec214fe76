with source as (
    {{ current_versions(source('hr', 'training'), ['training_id'], to_utc_timestamp('updated_at')) }}
),

renamed as (
    select
        training_id,
        employee_id,
        course_name,
        cast(completed_date as date) as completed_date,
        cast(hours as decimal(9, 2)) as hours,
        coalesce({{ to_bool('passed') }}, false) as passed,
        certification,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    training_id, employee_id, course_name, completed_date, hours, passed, certification, updated_at,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
