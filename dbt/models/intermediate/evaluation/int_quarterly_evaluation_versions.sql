{#- The grading table: every published version of every quarter (frozen in publish.*), plus the draft computed
    from the current data for quarters not published yet (version 0, status draft). is_latest marks the default
    row per rep and quarter: the latest published version, else the draft. A view, so a publication shows at once.
    The publications are read through their staging views (sources of the Dagster publish asset); the mart
    mart_quarterly_evaluation publishes this model as it is. -#}
{{ config(materialized='view') }}
{%- set columns = evaluation_columns() -%}
with publications as (
    select * from {{ ref('stg_publish__evaluation_publications') }}
),

published as (
    select
        {%- for name, type in columns %}
        v.{{ name }},
        {%- endfor %}
        v.version,
        'published' as status,
        v.version = p.latest_version as is_latest,
        p.reason as version_reason,
        p.as_of_date as data_as_of_date,
        p.published_at
    from {{ ref('stg_publish__quarterly_evaluation_versions') }} v
    inner join publications p on p.quarter = v.quarter and p.version = v.version
),

drafts as (
    select
        {%- for name, type in columns %}
        d.{{ name }},
        {%- endfor %}
        0 as version,
        'draft' as status,
        true as is_latest,
        cast(null as {{ type_text() }}) as version_reason,
        a.as_of_date as data_as_of_date,
        cast(null as timestamp) as published_at
    from {{ ref('int_quarterly_evaluation') }} d
    cross join {{ ref('int_run_as_of') }} a
    where d.quarter not in (select quarter from publications)
)

select * from published
union all
select * from drafts
