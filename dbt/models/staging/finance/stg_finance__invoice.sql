{#- Month-incremental on invoice_date (macros/incremental.sql): a status change or delete of an older invoice in
    a new delivery re-derives that invoice's month. -#}
{{ config(
    materialized=large_fact_materialization(),
    incremental_strategy='delete+insert',
    unique_key='invoice_month',
    on_schema_change='fail',
    pre_hook="{{ record_build_scope() }}",
    post_hook="{{ drop_month_placeholders('invoice_id') }}",
) }}

with

{% if is_incremental() -%}
{{ large_fact_scope(source('finance', 'invoice'), 'invoice_id', "cast(date_trunc('month', cast(invoice_date as date)) as date)", 'invoice_month') }}
{%- endif %}

source as (
    {{ current_versions('scoped_source' if is_incremental() else source('finance', 'invoice'), ['invoice_id'], to_utc_timestamp('updated_at')) }}
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
        cast(date_trunc('month', cast(invoice_date as date)) as date) as invoice_month,
        cast(due_date as date) as due_date,
        cast(payment_terms_days as integer) as payment_terms_days,
        currency,
        cast(net_amount as decimal(18, 2)) as net_amount,
        cast(tax_amount as decimal(18, 2)) as tax_amount,
        cast(gross_amount as decimal(18, 2)) as gross_amount,
        {{ picklist_value('finance__invoice', 'status', 'status') }} as status,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _loaded_at as loaded_at,
        _version_rank as version_rank
    from source
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
