{#- Salesforce Event: meetings, visits and demos on the calendar. Type is mapped through the source configuration's
    event_types onto the task activity types, so both extracts count in the same activity KPIs. -#}
with source as (
    select * from {{ source('crm', 'event') }}
),

renamed as (
    select
        {{ adapter.quote('Id') }} as event_id,
        {{ adapter.quote('OwnerId') }} as owner_user_id,
        {{ adapter.quote('AccountId') }} as account_id,
        {{ adapter.quote('WhatId') }} as what_id,
        {{ picklist_value('crm__event', 'Type', adapter.quote('Type')) }} as event_type,
        {{ adapter.quote('Subject') }} as subject,
        cast({{ adapter.quote('ActivityDate') }} as date) as activity_date,
        cast({{ adapter.quote('DurationInMinutes') }} as integer) as duration_minutes,
        coalesce({{ to_bool(adapter.quote('IsDeleted')) }}, false) as is_deleted,
        {{ to_utc_timestamp(adapter.quote('SystemModstamp')) }} as system_modstamp,
        {{ lineage_columns() }},
        {{ current_version_rank([adapter.quote('Id')], to_utc_timestamp(adapter.quote('SystemModstamp'))) }} as version_rank
    from source
)

select
    event_id, owner_user_id, account_id, what_id, event_type, subject, activity_date, duration_minutes,
    system_modstamp, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
