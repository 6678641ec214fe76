{#- Orders (Salesforce Order, or an ERP shipment export mapped onto crm/order), current state; status is the source
    configuration's order_statuses map (draft | activated). -#}
with source as (
    {{ current_versions(source('crm', 'order'), ['Id'], to_utc_timestamp('SystemModstamp')) }}
),

renamed as (
    select
        Id as order_id,
        OrderNumber as order_number,
        AccountId as account_id,
        nullif(OpportunityId, '') as opportunity_id,
        nullif(ContractId, '') as contract_id,
        OwnerId as owner_user_id,
        Status as source_status,
        {{ picklist_value('crm__order', 'Status', 'Status') }} as status,
        cast(EffectiveDate as date) as effective_date,
        {{ to_utc_timestamp('ActivatedDate') }} as activated_at,
        coalesce({{ to_bool('IsDeleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('SystemModstamp') }} as system_modstamp,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    order_id, order_number, account_id, opportunity_id, contract_id, owner_user_id, source_status, status,
    effective_date, activated_at, {{ business_date('activated_at') }} as activated_date, system_modstamp,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
