{#- Month-incremental on ActivityDate (macros/incremental.sql): a run re-derives only the months new deliveries
    touch, plus the lookback; `spm run --full-refresh` rebuilds it. -#}
{{ config(
    materialized=large_fact_materialization(),
    incremental_strategy='delete+insert',
    unique_key='activity_month',
    on_schema_change='fail',
    pre_hook="{{ record_build_scope() }}",
    post_hook="{{ drop_month_placeholders('task_id') }}",
) }}

with

{% if is_incremental() -%}
{{ large_fact_scope(source('crm', 'task'), 'Id', "cast(date_trunc('month', cast(ActivityDate as date)) as date)", 'activity_month') }}
{%- endif %}

source as (
    {{ current_versions('scoped_source' if is_incremental() else source('crm', 'task'), ['Id'], to_utc_timestamp('SystemModstamp')) }}
),

renamed as (
    select
        Id as task_id,
        OwnerId as owner_user_id,
        AccountId as account_id,
        WhatId as what_id,
        {{ picklist_value('crm__task', 'Type', 'Type') }} as task_type,
        Subject as subject,
        cast(ActivityDate as date) as activity_date,
        cast(date_trunc('month', cast(ActivityDate as date)) as date) as activity_month,
        Status as status,
        cast(CallDurationInSeconds as integer) as call_duration_seconds,
        coalesce({{ to_bool('IsDeleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('SystemModstamp') }} as system_modstamp,
        {{ lineage_columns() }},
        _loaded_at as loaded_at,
        _version_rank as version_rank
    from source
),

current_rows as (
    select
        task_id, owner_user_id, account_id, what_id, task_type, subject, activity_date, status,
        call_duration_seconds, system_modstamp, source_file, source_sha256, source_row, activity_month, loaded_at
    from renamed
    where version_rank = 1 and not is_deleted
)

{% if is_incremental() -%}
{{ large_fact_batch('current_rows', 'activity_month') }}
{%- else -%}
select * from current_rows
{%- endif %}
