with source as (
    select * from {{ source('crm', 'account') }}
),

renamed as (
    select
        {{ adapter.quote('Id') }} as account_id,
        {{ adapter.quote('Name') }} as account_name,
        {{ adapter.quote('AccountNumber') }} as customer_number,
        {{ adapter.quote('OwnerId') }} as owner_user_id,
        {{ adapter.quote('Industry') }} as industry,
        {{ adapter.quote('Customer_Tier__c') }} as tier,
        {{ picklist_value('crm__account', 'Type', adapter.quote('Type')) }} as account_type,
        {{ to_utc_timestamp(adapter.quote('CreatedDate')) }} as created_at,
        coalesce({{ to_bool(adapter.quote('IsDeleted')) }}, false) as is_deleted,
        {{ to_utc_timestamp(adapter.quote('SystemModstamp')) }} as system_modstamp,
        {{ lineage_columns() }},
        {{ current_version_rank([adapter.quote('Id')], to_utc_timestamp(adapter.quote('SystemModstamp'))) }} as version_rank
    from source
)

select
    account_id, account_name, customer_number, owner_user_id, industry, tier, account_type, created_at,
    system_modstamp, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
