with source as (
    {{ current_versions(source('crm', 'lead'), ['Id'], to_utc_timestamp('SystemModstamp')) }}
),

renamed as (
    select
        Id as lead_id,
        OwnerId as owner_user_id,
        Status as status,
        Rating as rating,
        {{ picklist_value('crm__lead', 'Status', 'Status', keep_unmapped=false) }} as status_group,
        {{ picklist_value('crm__lead', 'Rating', 'Rating', keep_unmapped=false) }} as rating_group,
        LeadSource as lead_source,
        {{ to_utc_timestamp('CreatedDate') }} as created_at,
        coalesce({{ to_bool('IsConverted') }}, false) as is_converted,
        cast(ConvertedDate as date) as converted_date,
        ConvertedAccountId as converted_account_id,
        ConvertedOpportunityId as converted_opportunity_id,
        coalesce({{ to_bool('IsDeleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('SystemModstamp') }} as system_modstamp,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    lead_id, owner_user_id, status, rating, lead_source, created_at, {{ business_date('created_at') }} as created_date,
    is_converted, converted_date, converted_account_id, converted_opportunity_id, status_group, rating_group,
    system_modstamp,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
