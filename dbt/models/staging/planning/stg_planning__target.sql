with source as (
    {{ current_versions(source('planning', 'target'), ['employee_id', 'period_month', 'metric'], to_utc_timestamp('updated_at')) }}
),

renamed as (
    select
        employee_id,
        cast(period_month || '-01' as date) as period_month,
        metric,
        cast(target_value as decimal(18, 2)) as target_value,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    employee_id || '|' || cast(period_month as {{ type_text() }}) || '|' || metric as target_key,
    employee_id, period_month, metric, target_value, updated_at, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
