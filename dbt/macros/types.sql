{#- Column types whose spelling differs by engine. DuckDB and PostgreSQL both read `double precision` as an
    8-byte float (DuckDB's DOUBLE); Spark spells it `double`. dbt.type_float() is not used: on DuckDB it is FLOAT,
    a 4-byte REAL, which would change every score. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}

{#- Text. DuckDB and PostgreSQL take `varchar` without a length (the contracts declare varchar); Spark needs
    `string`. dbt.type_string() is not used: it is `text` on PostgreSQL, which the contracts would not match. -#}
{% macro type_text() -%}
    {{ return(adapter.dispatch('type_text')()) }}
{%- endmacro %}

{% macro default__type_text() -%}varchar{%- endmacro %}

{% macro spark__type_text() -%}string{%- endmacro %}

{#- The distinct non-null values of a text column in a group, sorted and joined by commas (the audit's input_roles, a
    statement's rule_ids). DuckDB plans an ordered DISTINCT aggregate as three aggregations joined back together;
    collecting, deduplicating and sorting the group's list in one aggregation took audit_payout_lineage's final step
    (4M rows at scale 10) from 16.4 s to 9.2 s, with the same text. -#}
{% macro distinct_sorted_text(column) -%}
    {{ return(adapter.dispatch('distinct_sorted_text')(column)) }}
{%- endmacro %}

{% macro default__distinct_sorted_text(column) -%}
    {{ dbt.listagg('distinct ' ~ column, "','", 'order by ' ~ column) }}
{%- endmacro %}

{% macro duckdb__distinct_sorted_text(column) -%}
    array_to_string(list_sort(list_distinct(list({{ column }}))), ',')
{%- endmacro %}
