with source as (
    {{ current_versions(source('surveys', 'review_360'), ['review_id'], to_utc_timestamp('updated_at')) }}
),

renamed as (
    select
        review_id,
        cycle,
        reviewee_employee_id,
        reviewer_type,
        reviewer_id,
        competency,
        cast(score as decimal(9, 2)) as score,
        {{ to_utc_timestamp('submitted_at') }} as submitted_at,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    review_id, cycle, reviewee_employee_id, reviewer_type, reviewer_id, competency, score, submitted_at,
    updated_at, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
