{#- The current state of a record is its row with the latest change stamp; a tie goes to the later file
    (docs/sources.md). Later row within the same file breaks the remaining tie deterministically. -#}
{% macro current_version_rank(key_columns, change_stamp) -%}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {{ change_stamp }} desc, _file_order desc, _source_row desc
    )
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
