{#- Month-incremental on payment_date (macros/incremental.sql). -#}
{{ config(
    materialized=large_fact_materialization(),
    incremental_strategy='delete+insert',
    unique_key='payment_month',
    on_schema_change='fail',
    pre_hook="{{ record_build_scope() }}",
    post_hook="{{ drop_month_placeholders('payment_id') }}",
) }}

with

{% if is_incremental() -%}
{{ large_fact_scope(source('finance', 'payment'), 'payment_id', "cast(date_trunc('month', cast(payment_date as date)) as date)", 'payment_month') }}
{%- endif %}

source as (
    {{ current_versions('scoped_source' if is_incremental() else source('finance', 'payment'), ['payment_id'], to_utc_timestamp('updated_at')) }}
),

renamed as (
    select
        payment_id,
        invoice_id,
        customer_number,
        cast(payment_date as date) as payment_date,
        cast(date_trunc('month', cast(payment_date as date)) as date) as payment_month,
        cast(amount as decimal(18, 2)) as amount,
        currency,
        method,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _loaded_at as loaded_at,
        _version_rank as version_rank
    from source
),

current_rows as (
    select
        payment_id, invoice_id, customer_number, payment_date, amount, currency, method, updated_at,
        source_file, source_sha256, source_row, payment_month, loaded_at
    from renamed
    where version_rank = 1 and not is_deleted
)

{% if is_incremental() -%}
{{ large_fact_batch('current_rows', 'payment_month') }}
{%- else -%}
select * from current_rows
{%- endif %}
