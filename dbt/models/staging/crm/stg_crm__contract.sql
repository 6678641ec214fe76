with source as (
    select * from {{ source('crm', 'contract') }}
),

renamed as (
    select
        {{ adapter.quote('Id') }} as contract_id,
        {{ adapter.quote('AccountId') }} as account_id,
        {{ adapter.quote('OwnerId') }} as owner_user_id,
        cast({{ adapter.quote('StartDate') }} as date) as start_date,
        cast({{ adapter.quote('EndDate') }} as date) as end_date,
        {{ adapter.quote('Status') }} as status,
        cast({{ adapter.quote('ContractTerm') }} as integer) as contract_term_months,
        coalesce({{ to_bool(adapter.quote('IsDeleted')) }}, false) as is_deleted,
        {{ to_utc_timestamp(adapter.quote('SystemModstamp')) }} as system_modstamp,
        {{ lineage_columns() }},
        {{ current_version_rank([adapter.quote('Id')], to_utc_timestamp(adapter.quote('SystemModstamp'))) }} as version_rank
    from source
)

select
    contract_id, account_id, owner_user_id, start_date, end_date, status, contract_term_months, system_modstamp,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
