with source as (
    select * from {{ source('crm', 'task') }}
),

renamed as (
    select
        {{ adapter.quote('Id') }} as task_id,
        {{ adapter.quote('OwnerId') }} as owner_user_id,
        {{ adapter.quote('AccountId') }} as account_id,
        {{ adapter.quote('WhatId') }} as what_id,
        {{ picklist_value('crm__task', 'Type', adapter.quote('Type')) }} as task_type,
        {{ adapter.quote('Subject') }} as subject,
        cast({{ adapter.quote('ActivityDate') }} as date) as activity_date,
        {{ adapter.quote('Status') }} as status,
        cast({{ adapter.quote('CallDurationInSeconds') }} as integer) as call_duration_seconds,
        coalesce({{ to_bool(adapter.quote('IsDeleted')) }}, false) as is_deleted,
        {{ to_utc_timestamp(adapter.quote('SystemModstamp')) }} as system_modstamp,
        {{ lineage_columns() }},
        {{ current_version_rank([adapter.quote('Id')], to_utc_timestamp(adapter.quote('SystemModstamp'))) }} as version_rank
    from source
)

select
    task_id, owner_user_id, account_id, what_id, task_type, subject, activity_date, status, call_duration_seconds,
    system_modstamp, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
