{#- Service cases (Salesforce Case), current state; the categories are the source configuration's case_types and
    case_reasons maps (null when unmapped), the priority its case_priorities map (unmapped rows are quarantined). -#}
with source as (
    {{ current_versions(source('crm', 'case'), ['Id'], to_utc_timestamp('SystemModstamp')) }}
),

renamed as (
    select
        Id as case_id,
        CaseNumber as case_number,
        nullif(AccountId, '') as account_id,
        OwnerId as owner_user_id,
        Type as case_type,
        {{ picklist_value('crm__case', 'Type', 'Type', keep_unmapped=false) }} as type_category,
        Reason as case_reason,
        {{ picklist_value('crm__case', 'Reason', 'Reason', keep_unmapped=false) }} as reason_category,
        {{ picklist_value('crm__case', 'Priority', 'Priority') }} as priority,
        Status as status,
        Origin as origin,
        {{ to_utc_timestamp('CreatedDate') }} as created_at,
        {{ to_utc_timestamp('First_Response__c') }} as first_response_at,
        coalesce({{ to_bool('IsClosed') }}, ClosedDate is not null) as is_closed,
        {{ to_utc_timestamp('ClosedDate') }} as closed_at,
        coalesce({{ to_bool('IsDeleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('SystemModstamp') }} as system_modstamp,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    case_id, case_number, account_id, owner_user_id, case_type, type_category, case_reason, reason_category,
    priority, status, origin, created_at, {{ business_date('created_at') }} as created_date, first_response_at,
    is_closed, closed_at, {{ business_date('closed_at') }} as closed_date, system_modstamp,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
