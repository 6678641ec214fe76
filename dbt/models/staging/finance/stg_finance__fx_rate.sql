with source as (
    select * from {{ source('finance', 'fx_rate') }}
),

renamed as (
    select
        {{ month_start_from_text('rate_month') }} as rate_month,
        currency,
        {{ to_rate('rate_to_reporting') }} as rate_to_reporting,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        {{ current_version_rank(['rate_month', 'currency'], to_utc_timestamp('updated_at')) }} as version_rank
    from source
)

select rate_month, currency, rate_to_reporting, updated_at, source_file, source_sha256, source_row
from renamed
where version_rank = 1
