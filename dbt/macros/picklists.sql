{#- Picklist values as the source configuration maps them (raw._source_picklist, written by ingest from
    source_config.yml or the company's SPM_SOURCE_CONFIG). keep_unmapped: a value outside the map stays as delivered
    (fields a formula needs are quarantined at ingest when unmapped, so for them this only covers an empty map);
    otherwise it maps to null and the warning test picklist_value_mapped counts it. -#}
{% macro picklist_value(extract, field, column, keep_unmapped=true) -%}
    {%- set mapped = picklist_mapped_value(extract, field, column) -%}
    {%- if keep_unmapped -%} coalesce({{ mapped }}, {{ column }}) {%- else -%} {{ mapped }} {%- endif -%}
{%- endmacro %}

{#- The mapped value of one delivered value: a scalar subquery correlated on the column. One row at most, since
    each field maps a delivered value once (a mapping of source_config.yml, written by ingest/load.py). -#}
{% macro picklist_mapped_value(extract, field, column) -%}
    {{ return(adapter.dispatch('picklist_mapped_value')(extract, field, column)) }}
{%- endmacro %}

{% macro default__picklist_mapped_value(extract, field, column) -%}
    (select p.mapped_value from {{ source('config', 'source_picklist') }} p
     where p.extract = '{{ extract }}' and p.field = '{{ field }}' and p.source_value = {{ column }})
{%- endmacro %}

{#- Spark accepts a correlated scalar subquery only over an aggregate (MUST_AGGREGATE_CORRELATED_SCALAR_SUBQUERY);
    max() of the at most one mapped row is that row. -#}
{% macro spark__picklist_mapped_value(extract, field, column) -%}
    (select max(p.mapped_value) from {{ source('config', 'source_picklist') }} p
     where p.extract = '{{ extract }}' and p.field = '{{ field }}' and p.source_value = {{ column }})
{%- endmacro %}
