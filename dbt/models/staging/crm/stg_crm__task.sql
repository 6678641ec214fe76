with source as (
    select * from {{ source('crm', 'task') }}
),

renamed as (
    select
        "Id" as task_id,
        "OwnerId" as owner_user_id,
        "AccountId" as account_id,
        "WhatId" as what_id,
        {{ picklist_value('crm__task', 'Type', '"Type"') }} as task_type,
        "Subject" as subject,
        cast("ActivityDate" as date) as activity_date,
        "Status" as status,
        cast("CallDurationInSeconds" as integer) as call_duration_seconds,
        coalesce({{ to_bool('"IsDeleted"') }}, false) as is_deleted,
        {{ to_utc_timestamp('"SystemModstamp"') }} as system_modstamp,
        {{ lineage_columns() }},
        {{ current_version_rank(['"Id"'], to_utc_timestamp('"SystemModstamp"')) }} as version_rank
    from source
)

select
    task_id, owner_user_id, account_id, what_id, task_type, subject, activity_date, status, call_duration_seconds,
    system_modstamp, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
