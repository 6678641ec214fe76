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
