{#- The current state of a record is its row with the latest change stamp; a tie goes to the later file
    (docs/sources.md). Later row within the same file breaks the remaining tie deterministically. -#}
{% macro current_version_rank(key_columns, change_stamp) -%}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {{ change_stamp }} desc, _file_order desc, _source_row desc
    )
{%- endmacro %}

{#- Every row of `relation` (a source() or a CTE name) with `_version_rank`, current_version_rank of its record: 1 for
    the current version. Only the records delivered more than once go through the window; a record delivered once is
    its own current version. Why: the window sorts every raw row with all its columns, and most records arrive once:
    at scale 10 it was 46 of stg_crm__task's 58 s (10M rows); counting rows per key and ranking only the keys with
    several rows gives the same rows in 10 s. Keys match with `is not distinct from`, as the window's partition does. -#}
{% macro current_versions(relation, key_columns, change_stamp) -%}
    {{ return(adapter.dispatch('current_versions')(relation, key_columns, change_stamp)) }}
{%- endmacro %}

{% macro default__current_versions(relation, key_columns, change_stamp) -%}
    {%- set matches = [] -%}
    {%- for key in key_columns -%}
        {%- do matches.append('k.' ~ key ~ ' is not distinct from s.' ~ key) -%}
    {%- endfor -%}
    with _versioned_keys as (
        select {{ key_columns | join(', ') }} from {{ relation }} group by {{ key_columns | join(', ') }}
        having count(*) > 1
    )
    select s.*, 1 as _version_rank
    from {{ relation }} s
    where not exists (select 1 from _versioned_keys k where {{ matches | join(' and ') }})
    union all
    select s.*, {{ current_version_rank(key_columns, change_stamp) }} as _version_rank
    from {{ relation }} s
    where exists (select 1 from _versioned_keys k where {{ matches | join(' and ') }})
{%- endmacro %}

{#- Spark 3.5's analyzer fails on the union of the two branches when the model also maps a picklist with a correlated
    scalar subquery (`key not found: source_value`): Spark ranks every row, as all engines did before. -#}
{% macro spark__current_versions(relation, key_columns, change_stamp) -%}
    select s.*, {{ current_version_rank(key_columns, change_stamp) }} as _version_rank
    from {{ relation }} s
{%- endmacro %}

{#- Lineage kept on every staged row so facts and the payout audit can point back at landing files. -#}
{% macro lineage_columns() -%}
    _source_file as source_file,
    _source_sha256 as source_sha256,
    _source_row as source_row,
    _file_order as file_order
{%- endmacro %}

{#- A company's own field, kept by ingest in the raw table's `_extra` JSON (ingest/load.py EXTRA_COLUMN) under its
    delivered header or the name the source configuration's `extra_columns:` gives it; NULL when a delivery did not
    carry it. Text, like every raw column: cast it in the staging model that selects it. -#}
{% macro extra_column(name) -%}
    json_extract_string(_extra, '$."{{ name }}"')
{%- endmacro %}
