with source as (
    {{ current_versions(source('crm', 'contract'), ['Id'], to_utc_timestamp('SystemModstamp')) }}
),

renamed as (
    select
        Id as contract_id,
        AccountId as account_id,
        OwnerId as owner_user_id,
        cast(StartDate as date) as start_date,
        cast(EndDate as date) as end_date,
        Status as status,
        cast(ContractTerm as integer) as contract_term_months,
        coalesce({{ to_bool('IsDeleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('SystemModstamp') }} as system_modstamp,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    contract_id, account_id, owner_user_id, start_date, end_date, status, contract_term_months, system_modstamp,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
