{#- Salesforce Event: meetings, visits and demos on the calendar. Type is mapped through the source configuration's
    event_types onto the task activity types, so both extracts count in the same activity KPIs. -#}
with source as (
    select * from {{ source('crm', 'event') }}
),

renamed as (
    select
        "Id" as event_id,
        "OwnerId" as owner_user_id,
        "AccountId" as account_id,
        "WhatId" as what_id,
        {{ picklist_value('crm__event', 'Type', '"Type"') }} as event_type,
        "Subject" as subject,
        cast("ActivityDate" as date) as activity_date,
        cast("DurationInMinutes" as integer) as duration_minutes,
        coalesce({{ to_bool('"IsDeleted"') }}, false) as is_deleted,
        {{ to_utc_timestamp('"SystemModstamp"') }} as system_modstamp,
        {{ lineage_columns() }},
        {{ current_version_rank(['"Id"'], to_utc_timestamp('"SystemModstamp"')) }} as version_rank
    from source
)

select
    event_id, owner_user_id, account_id, what_id, event_type, subject, activity_date, duration_minutes,
    system_modstamp, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
