with source as (
    select * from {{ source('crm', 'opportunity_split') }}
),

renamed as (
    select
        {{ adapter.quote('Id') }} as split_id,
        {{ adapter.quote('OpportunityId') }} as opportunity_id,
        {{ adapter.quote('SplitOwnerId') }} as split_owner_user_id,
        cast({{ adapter.quote('SplitPercentage') }} as decimal(9, 4)) as split_percentage,
        coalesce({{ to_bool(adapter.quote('IsDeleted')) }}, false) as is_deleted,
        {{ to_utc_timestamp(adapter.quote('SystemModstamp')) }} as system_modstamp,
        {{ lineage_columns() }},
        {{ current_version_rank([adapter.quote('Id')], to_utc_timestamp(adapter.quote('SystemModstamp'))) }} as version_rank
    from source
)

select
    split_id, opportunity_id, split_owner_user_id, split_percentage, system_modstamp,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
