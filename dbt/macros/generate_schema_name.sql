{#- Use the folder's schema as is (raw, staging, intermediate, marts, config), not <target>_<schema>:
    BI users and auditors query fixed schema names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
