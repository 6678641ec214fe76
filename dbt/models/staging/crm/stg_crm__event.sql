{#- Salesforce Event: meetings, visits and demos on the calendar. Type is mapped through the source configuration's
    event_types onto the task activity types, so both extracts count in the same activity KPIs.
    Month-incremental on ActivityDate (macros/incremental.sql). -#}
{{ config(
    materialized=large_fact_materialization(),
    incremental_strategy='delete+insert',
    unique_key='activity_month',
    on_schema_change='fail',
    pre_hook="{{ record_build_scope() }}",
    post_hook="{{ drop_month_placeholders('event_id') }}",
) }}

with

{% if is_incremental() -%}
{{ large_fact_scope(source('crm', 'event'), 'Id', "cast(date_trunc('month', cast(ActivityDate as date)) as date)", 'activity_month') }}
{%- endif %}

source as (
    {{ current_versions('scoped_source' if is_incremental() else source('crm', 'event'), ['Id'], to_utc_timestamp('SystemModstamp')) }}
),

renamed as (
    select
        Id as event_id,
        OwnerId as owner_user_id,
        AccountId as account_id,
        WhatId as what_id,
        {{ picklist_value('crm__event', 'Type', 'Type') }} as event_type,
        Subject as subject,
        cast(ActivityDate as date) as activity_date,
        cast(date_trunc('month', cast(ActivityDate as date)) as date) as activity_month,
        cast(DurationInMinutes as integer) as duration_minutes,
        coalesce({{ to_bool('IsDeleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('SystemModstamp') }} as system_modstamp,
        {{ lineage_columns() }},
        _loaded_at as loaded_at,
        _version_rank as version_rank
    from source
),

current_rows as (
    select
        event_id, owner_user_id, account_id, what_id, event_type, subject, activity_date, duration_minutes,
        system_modstamp, source_file, source_sha256, source_row, activity_month, loaded_at
    from renamed
    where version_rank = 1 and not is_deleted
)

{% if is_incremental() -%}
{{ large_fact_batch('current_rows', 'activity_month') }}
{%- else -%}
select * from current_rows
{%- endif %}
