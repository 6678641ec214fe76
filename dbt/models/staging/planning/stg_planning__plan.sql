{#- The annual plan (docs/planning.md): current version of each target, typed. A revised plan for the same year is a
    new file; a row with a later effective_from is a new version in force from that date, the earlier one kept. -#}
with source as (
    {{ current_versions(source('planning', 'plan'),
                        ['plan_year', 'scope', 'scope_value', 'metric', 'period', 'effective_from'],
                        to_utc_timestamp('updated_at')) }}
),

renamed as (
    select
        cast(plan_year as integer) as plan_year,
        scope,
        scope_value,
        metric,
        period,
        case when period like '____' then 'year' when period like '____-W__' then 'week'
             when period like '____-__' then 'month' end as period_grain,
        cast(target_value as decimal(18, 4)) as target_value,
        cast(effective_from as date) as effective_from,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    cast(plan_year as {{ type_text() }}) || '|' || scope || '|' || scope_value || '|' || metric || '|' || period
        || '|' || cast(effective_from as {{ type_text() }}) as plan_target_key,
    plan_year, scope, scope_value, metric, period, period_grain, target_value, effective_from, updated_at,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
