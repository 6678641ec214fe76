with source as (
    {{ current_versions(source('crm', 'account'), ['Id'], to_utc_timestamp('SystemModstamp')) }}
),

renamed as (
    select
        Id as account_id,
        Name as account_name,
        AccountNumber as customer_number,
        OwnerId as owner_user_id,
        Industry as industry,
        Customer_Tier__c as tier,
        {{ picklist_value('crm__account', 'Type', 'Type') }} as account_type,
        {{ to_utc_timestamp('CreatedDate') }} as created_at,
        coalesce({{ to_bool('IsDeleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('SystemModstamp') }} as system_modstamp,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    account_id, account_name, customer_number, owner_user_id, industry, tier, account_type, created_at,
    system_modstamp, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
