with source as (
    select * from {{ source('crm', 'lead') }}
),

renamed as (
    select
        {{ adapter.quote('Id') }} as lead_id,
        {{ adapter.quote('OwnerId') }} as owner_user_id,
        {{ adapter.quote('Status') }} as status,
        {{ adapter.quote('Rating') }} as rating,
        {{ picklist_value('crm__lead', 'Status', adapter.quote('Status'), keep_unmapped=false) }} as status_group,
        {{ picklist_value('crm__lead', 'Rating', adapter.quote('Rating'), keep_unmapped=false) }} as rating_group,
        {{ adapter.quote('LeadSource') }} as lead_source,
        {{ to_utc_timestamp(adapter.quote('CreatedDate')) }} as created_at,
        coalesce({{ to_bool(adapter.quote('IsConverted')) }}, false) as is_converted,
        cast({{ adapter.quote('ConvertedDate') }} as date) as converted_date,
        {{ adapter.quote('ConvertedAccountId') }} as converted_account_id,
        {{ adapter.quote('ConvertedOpportunityId') }} as converted_opportunity_id,
        coalesce({{ to_bool(adapter.quote('IsDeleted')) }}, false) as is_deleted,
        {{ to_utc_timestamp(adapter.quote('SystemModstamp')) }} as system_modstamp,
        {{ lineage_columns() }},
        {{ current_version_rank([adapter.quote('Id')], to_utc_timestamp(adapter.quote('SystemModstamp'))) }} as version_rank
    from source
)

select
    lead_id, owner_user_id, status, rating, lead_source, created_at, {{ business_date('created_at') }} as created_date,
    is_converted, converted_date, converted_account_id, converted_opportunity_id, status_group, rating_group,
    system_modstamp,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
