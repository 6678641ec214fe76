{#- Adapter overrides for Spark only (dbt looks in the root project first for these dispatched macros). -#}

{#- Spark: model contracts keep their column names and order, but their data types are not asserted. The
    contracts spell types as DuckDB and PostgreSQL do (varchar, double precision), which Spark cannot parse
    (`string`, `double`), and a second set of types per column would be a copy of every contract. The types are
    checked on the DuckDB and PostgreSQL lanes; the Spark lane proves the models build and agree on row counts. -#}
{% macro spark__get_assert_columns_equivalent(sql) -%}
    {{ log("Spark: contract data types of " ~ this ~ " not asserted (checked on DuckDB and PostgreSQL)") }}
{%- endmacro %}


{#- Spark seeds: the values are written into the INSERT as escaped literals. dbt-spark's own macro passes them as
    bindings, which its session cursor pastes in as '<value>' without escaping: a quote in a value ("New Year's
    Day" in calendar_cn_working_days) ends the literal early and the INSERT fails with PARSE_SYNTAX_ERROR, and an
    empty cell becomes the string 'None' instead of null. Spark string literals take backslash escapes (and
    read '' as two adjacent literals, not as a quote), so a backslash and a quote are each escaped with '\'. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set batch_size = get_batch_size() -%}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set types = [] -%}
  {%- for col_name in agate_table.column_names -%}
    {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
  {%- endfor -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(batch_size) -%}
    {%- set sql -%}
      insert into {{ this.render() }} values
      {% for row in chunk -%}
        ({%- for value in row -%}
          {%- if value is none -%}
            {%- set literal = 'null' -%}
          {%- elif value is boolean -%}
            {%- set literal = 'true' if value else 'false' -%}
          {%- elif value is number -%}
            {%- set literal = value | string -%}
          {%- else -%}
            {%- set literal = "'" ~ (value | string).replace('\\', '\\\\').replace("'", "\\'") ~ "'" -%}
          {%- endif -%}
          cast({{ literal }} as {{ types[loop.index0] }})
          {%- if not loop.last %}, {% endif -%}
        {%- endfor -%})
        {%- if not loop.last %},{% endif %}
      {% endfor -%}
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {%- if loop.index0 == 0 -%}
      {%- do statements.append(sql) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(statements[0]) }}
{% endmacro %}
