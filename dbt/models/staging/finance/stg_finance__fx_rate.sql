with source as (
    select * from {{ source('finance', 'fx_rate') }}
),

renamed as (
    select
        cast(rate_month || '-01' as date) as rate_month,
        currency,
        cast(rate_to_reporting as decimal(18, 8)) as rate_to_reporting,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        {{ current_version_rank(['rate_month', 'currency'], to_utc_timestamp('updated_at')) }} as version_rank
    from source
)

select rate_month, currency, rate_to_reporting, updated_at, source_file, source_sha256, source_row
from renamed
where version_rank = 1
