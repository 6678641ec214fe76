{#- History rows have no modstamp: CreatedDate is the change stamp. Rows of an opportunity that is deleted
    count for nothing (docs/metrics.md); that filter needs the opportunity and lives in the intermediate layer.
    Month-incremental on the business month of CreatedDate (macros/incremental.sql). -#}
{{ config(
    materialized=large_fact_materialization(),
    incremental_strategy='delete+insert',
    unique_key='entered_month',
    on_schema_change='fail',
    pre_hook="{{ record_build_scope() }}",
    post_hook="{{ drop_month_placeholders('history_id') }}",
) }}

with

{% if is_incremental() -%}
{{ large_fact_scope(source('crm', 'opportunity_history'), 'Id', "cast(date_trunc('month', " ~ business_date(to_utc_timestamp('CreatedDate')) ~ ") as date)", 'entered_month') }}
{%- endif %}

source as (
    {{ current_versions('scoped_source' if is_incremental() else source('crm', 'opportunity_history'), ['Id'], to_utc_timestamp('CreatedDate')) }}
),

renamed as (
    select
        Id as history_id,
        OpportunityId as opportunity_id,
        {{ picklist_value('crm__opportunity_history', 'StageName', 'StageName') }} as stage_name,
        StageName as source_stage_name,
        cast(Amount as decimal(18, 2)) as amount,
        cast(CloseDate as date) as close_date,
        {{ to_utc_timestamp('CreatedDate') }} as entered_at,
        coalesce({{ to_bool('IsDeleted') }}, false) as is_deleted,
        {{ lineage_columns() }},
        _loaded_at as loaded_at,
        _version_rank as version_rank
    from source
),

current_rows as (
    select
        history_id, opportunity_id, stage_name, amount, close_date, entered_at,
        {{ business_date('entered_at') }} as entered_date, source_stage_name, source_file, source_sha256, source_row,
        cast(date_trunc('month', {{ business_date('entered_at') }}) as date) as entered_month, loaded_at
    from renamed
    where version_rank = 1 and not is_deleted
)

{% if is_incremental() -%}
{{ large_fact_batch('current_rows', 'entered_month') }}
{%- else -%}
select * from current_rows
{%- endif %}
