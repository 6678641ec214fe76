with source as (
    {{ current_versions(source('finance', 'fx_rate'), ['rate_month', 'currency'], to_utc_timestamp('updated_at')) }}
),

renamed as (
    select
        cast(rate_month || '-01' as date) as rate_month,
        currency,
        cast(rate_to_reporting as decimal(18, 8)) as rate_to_reporting,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select rate_month, currency, rate_to_reporting, updated_at, source_file, source_sha256, source_row
from renamed
where version_rank = 1
