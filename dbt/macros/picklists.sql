{#- Picklist values as the source configuration maps them (raw._source_picklist, written by ingest from
    source_config.yml or the company's SPM_SOURCE_CONFIG). keep_unmapped: a value outside the map stays as delivered
    (fields a formula needs are quarantined at ingest when unmapped, so for them this only covers an empty map);
    otherwise it maps to null and the warning test picklist_value_mapped counts it. -#}
{% macro picklist_value(extract, field, column, keep_unmapped=true) -%}
    {%- set mapped -%}
    (select p.mapped_value from {{ source('config', 'source_picklist') }} p
     where p.extract = '{{ extract }}' and p.field = '{{ field }}' and p.source_value = {{ column }})
    {%- endset -%}
    {%- if keep_unmapped -%} coalesce({{ mapped }}, {{ column }}) {%- else -%} {{ mapped }} {%- endif -%}
{%- endmacro %}
