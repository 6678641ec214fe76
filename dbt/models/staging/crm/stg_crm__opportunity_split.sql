with source as (
    {{ current_versions(source('crm', 'opportunity_split'), ['Id'], to_utc_timestamp('SystemModstamp')) }}
),

renamed as (
    select
        Id as split_id,
        OpportunityId as opportunity_id,
        SplitOwnerId as split_owner_user_id,
        cast(SplitPercentage as decimal(9, 4)) as split_percentage,
        coalesce({{ to_bool('IsDeleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('SystemModstamp') }} as system_modstamp,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    split_id, opportunity_id, split_owner_user_id, split_percentage, system_modstamp,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
