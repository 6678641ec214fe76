with source as (
    select * from {{ source('finance', 'payment') }}
),

renamed as (
    select
        payment_id,
        invoice_id,
        customer_number,
        cast(payment_date as date) as payment_date,
        {{ to_money('amount') }} as amount,
        currency,
        method,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        {{ current_version_rank(['payment_id'], to_utc_timestamp('updated_at')) }} as version_rank
    from source
)

select
    payment_id, invoice_id, customer_number, payment_date, amount, currency, method, updated_at,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
