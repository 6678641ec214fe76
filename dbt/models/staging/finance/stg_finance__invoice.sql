{#- Month-incremental on invoice_date (macros/incremental.sql): a status change or delete of an older invoice in
    a new delivery re-derives that invoice's month. -#}
{{ config(
    materialized=large_fact_materialization(),
    incremental_strategy='delete+insert',
    unique_key='invoice_month',
    on_schema_change='fail',
    post_hook="{{ drop_month_placeholders('invoice_id') }}",
) }}

with source as (
    select * from {{ source('finance', 'invoice') }}
),

{% if is_incremental() -%}
{{ large_fact_scope(source('finance', 'invoice'), 'invoice_id', month_of('cast(invoice_date as date)'), 'invoice_month') }}
{%- endif %}

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
        {{ month_of('cast(invoice_date as date)') }} as invoice_month,
        cast(due_date as date) as due_date,
        cast(payment_terms_days as integer) as payment_terms_days,
        currency,
        {{ to_money('net_amount') }} as net_amount,
        {{ to_money('tax_amount') }} as tax_amount,
        {{ to_money('gross_amount') }} as gross_amount,
        {{ picklist_value('finance__invoice', 'status', 'status') }} as status,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _loaded_at as loaded_at,
        {{ current_version_rank(['invoice_id'], to_utc_timestamp('updated_at')) }} as version_rank
    from {{ 'scoped_source' if is_incremental() else 'source' }}
),

current_rows as (
    select
        invoice_id, invoice_number, document_type, original_invoice_id, customer_number, opportunity_id,
        salesperson_employee_id, invoice_date, due_date, payment_terms_days, currency, net_amount, tax_amount,
        gross_amount, status, updated_at, source_file, source_sha256, source_row, invoice_month, loaded_at
    from renamed
    where version_rank = 1 and not is_deleted
)

{% if is_incremental() -%}
{{ large_fact_batch('current_rows', 'invoice_month') }}
{%- else -%}
select * from current_rows
{%- endif %}
