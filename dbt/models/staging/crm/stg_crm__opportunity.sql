with source as (
    {{ current_versions(source('crm', 'opportunity'), ['Id'], to_utc_timestamp('SystemModstamp')) }}
),

renamed as (
    select
        Id as opportunity_id,
        AccountId as account_id,
        OwnerId as owner_user_id,
        Name as opportunity_name,
        Type as opportunity_type,
        {{ picklist_value('crm__opportunity', 'Type', 'Type', keep_unmapped=false) }} as opportunity_type_group,
        {{ picklist_value('crm__opportunity', 'StageName', 'StageName') }} as stage_name,
        StageName as source_stage_name,
        cast(Amount as decimal(18, 2)) as amount,
        CurrencyIsoCode as currency,
        cast(CloseDate as date) as close_date,
        {{ to_utc_timestamp('CreatedDate') }} as created_at,
        {{ to_bool('IsClosed') }} as is_closed,
        {{ to_bool('IsWon') }} as is_won,
        Product_Line__c as product_line,
        LeadSource as lead_source,
        cast(Probability as decimal(5, 2)) as probability_pct,
        coalesce({{ to_bool('IsDeleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('SystemModstamp') }} as system_modstamp,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    opportunity_id, account_id, owner_user_id, opportunity_name, opportunity_type, stage_name, amount, currency,
    close_date, created_at, {{ business_date('created_at') }} as created_date, is_closed, is_won, product_line,
    lead_source, probability_pct, opportunity_type_group, source_stage_name, system_modstamp, source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
