with source as (
    select * from {{ source('finance', 'invoice') }}
),

renamed as (
    select
        invoice_id,
        invoice_number,
        document_type,
        original_invoice_id,
        customer_number,
        opportunity_id,
        salesperson_employee_id,
        cast(invoice_date as date) as invoice_date,
        cast(due_date as date) as due_date,
        cast(payment_terms_days as integer) as payment_terms_days,
        currency,
        {{ to_money('net_amount') }} as net_amount,
        {{ to_money('tax_amount') }} as tax_amount,
        {{ to_money('gross_amount') }} as gross_amount,
        status,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        {{ current_version_rank(['invoice_id'], to_utc_timestamp('updated_at')) }} as version_rank
    from source
)

select
    invoice_id, invoice_number, document_type, original_invoice_id, customer_number, opportunity_id,
    salesperson_employee_id, invoice_date, due_date, payment_terms_days, currency, net_amount, tax_amount,
    gross_amount, status, updated_at, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
