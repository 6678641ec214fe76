with source as (
    {{ current_versions(source('product', 'usage'), ['account_id', 'usage_month'], to_utc_timestamp('updated_at')) }}
),

renamed as (
    select
        account_id,
        cast(usage_month || '-01' as date) as usage_month,
        cast(active_users as integer) as active_users,
        cast(sessions as integer) as sessions,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    account_id || '|' || cast(usage_month as {{ type_text() }}) as usage_key,
    account_id, usage_month, active_users, sessions, updated_at, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
