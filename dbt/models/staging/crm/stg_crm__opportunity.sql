with source as (
    select * from {{ source('crm', 'opportunity') }}
),

renamed as (
    select
        {{ adapter.quote('Id') }} as opportunity_id,
        {{ adapter.quote('AccountId') }} as account_id,
        {{ adapter.quote('OwnerId') }} as owner_user_id,
        {{ adapter.quote('Name') }} as opportunity_name,
        {{ adapter.quote('Type') }} as opportunity_type,
        {{ picklist_value('crm__opportunity', 'Type', adapter.quote('Type'), keep_unmapped=false) }} as opportunity_type_group,
        {{ picklist_value('crm__opportunity', 'StageName', adapter.quote('StageName')) }} as stage_name,
        {{ adapter.quote('StageName') }} as source_stage_name,
        cast({{ adapter.quote('Amount') }} as decimal(18, 2)) as amount,
        {{ adapter.quote('CurrencyIsoCode') }} as currency,
        cast({{ adapter.quote('CloseDate') }} as date) as close_date,
        {{ to_utc_timestamp(adapter.quote('CreatedDate')) }} as created_at,
        {{ to_bool(adapter.quote('IsClosed')) }} as is_closed,
        {{ to_bool(adapter.quote('IsWon')) }} as is_won,
        {{ adapter.quote('Product_Line__c') }} as product_line,
        {{ adapter.quote('LeadSource') }} as lead_source,
        cast({{ adapter.quote('Probability') }} as decimal(5, 2)) as probability_pct,
        coalesce({{ to_bool(adapter.quote('IsDeleted')) }}, false) as is_deleted,
        {{ to_utc_timestamp(adapter.quote('SystemModstamp')) }} as system_modstamp,
        {{ lineage_columns() }},
        {{ current_version_rank([adapter.quote('Id')], to_utc_timestamp(adapter.quote('SystemModstamp'))) }} as version_rank
    from source
)

select
    opportunity_id, account_id, owner_user_id, opportunity_name, opportunity_type, stage_name, amount, currency,
    close_date, created_at, {{ business_date('created_at') }} as created_date, is_closed, is_won, product_line,
    lead_source, probability_pct, opportunity_type_group, source_stage_name, system_modstamp, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
