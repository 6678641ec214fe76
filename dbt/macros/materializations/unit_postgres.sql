{#- dbt-core's unit-test materialization (dbt-core 1.11, materializations/tests/unit.sql) with one change for
    PostgreSQL: it types `this` (named after the unit test) before shortening it, and dbt-postgres refuses a typed
    relation name over 63 characters, so descriptive unit-test names could not run there; and unconstrained
    numeric columns are compared without trailing zeros (see below). -#}
{%- materialization unit, adapter='postgres' -%}

  {% set relations = [] %}
  {% set sql_header = config.get('sql_header') if flags.REQUIRE_SQL_HEADER_IN_TEST_CONFIGS else none %}

  {% set expected_rows = config.get('expected_rows') %}
  {% set expected_sql = config.get('expected_sql') %}
  {% set tested_expected_column_names = expected_rows[0].keys() if (expected_rows | length ) > 0 else get_columns_in_query(sql) %}

  {#- changed: the temp name is truncated to 63 characters before it is typed (typing checks the length) -#}
  {%- set temp_relation = make_temp_relation(this).incorporate(type='table') -%}
  {% do run_query(get_create_table_as_sql(True, temp_relation, get_empty_subquery_sql(sql))) %}
  {%- set columns_in_relation = adapter.get_columns_in_relation(temp_relation) -%}
  {%- set column_name_to_data_types = {} -%}
  {%- set column_name_to_quoted = {} -%}
  {%- for column in columns_in_relation -%}
  {%-   do column_name_to_data_types.update({column.name|lower: column.data_type}) -%}
  {%-   do column_name_to_quoted.update({column.name|lower: column.quoted}) -%}
  {%- endfor -%}

  {%- set expected_column_names_quoted = [] -%}
  {%- for column_name in tested_expected_column_names -%}
  {#- changed: an aggregate of a typed numeric is an unconstrained numeric on PostgreSQL, which keeps the input's
      scale (80.0000000000) while the expected literal has none (80); the diff compares text, so such columns are
      compared after trim_scale (same value, trailing zeros dropped) -#}
  {%-   set quoted = column_name_to_quoted[column_name|lower] -%}
  {%-   if column_name_to_data_types[column_name|lower] == 'numeric' -%}
  {%-     do expected_column_names_quoted.append('trim_scale(' ~ quoted ~ ') as ' ~ quoted) -%}
  {%-   else -%}
  {%-     do expected_column_names_quoted.append(quoted) -%}
  {%-   endif -%}
  {%- endfor -%}

  {% if not expected_sql %}
  {%   set expected_sql = get_expected_sql(expected_rows, column_name_to_data_types, column_name_to_quoted) %}
  {% endif %}
  {% set unit_test_sql = get_unit_test_sql(sql, expected_sql, expected_column_names_quoted) %}

  {% call statement('main', fetch_result=True) -%}

    {% if sql_header %}{{ sql_header }}{% endif %}
    {{ unit_test_sql }}

  {%- endcall %}

  {% do adapter.drop_relation(temp_relation) %}

  {{ return({'relations': relations}) }}

{%- endmaterialization -%}
