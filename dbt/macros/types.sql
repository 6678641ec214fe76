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
