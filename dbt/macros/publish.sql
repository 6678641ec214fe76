{#- Published results live in the `publish` schema, outside dbt's rebuilds: dbt never drops or rewrites them
    (docs/evaluation.md: published quarters are frozen). The tables are created here, by an on-run-start hook, so the
    views over them always compile; rows are written only by the publish step (dagster_project/publish.py). -#}

{%- macro evaluation_columns() -%}
    {%- set cols = [
        ('employee_id', 'varchar'), ('quarter', 'varchar'), ('quarter_start', 'date'), ('quarter_end', 'date'),
        ('team_id', 'varchar'), ('job_level', 'varchar'), ('hire_date', 'date'), ('is_eligible', 'boolean'),
        ('ineligible_reason', 'varchar'), ('is_graded', 'boolean'), ('not_graded_reason', 'varchar'),
    ] -%}
    {%- for c in scorecard_component_names() -%}
        {%- do cols.extend([(c ~ '_actual', type_double()), (c ~ '_target', type_double()), (c ~ '_score', type_double()),
                            (c ~ '_weight', type_double())]) -%}
    {%- endfor -%}
    {%- do cols.extend([
        ('left_out_components', 'varchar'), ('weights_used_total', type_double()), ('composite_score', type_double()),
        ('composite_score_display', 'decimal(9,2)'), ('quantitative_score', type_double()),
        ('qualitative_score', type_double()), ('bookings', 'decimal(38,8)'), ('attainment', type_double()),
        ('rank', 'integer'), ('graded_reps', 'integer'), ('a_count_expected', 'integer'),
        ('c_count_expected', 'integer'), ('grade', 'varchar'), ('tied_at_grade_boundary', 'boolean'),
        ('pip_required', 'boolean'),
        ('pip_escalation', 'boolean'), ('policy_version', 'varchar'), ('is_final', 'boolean'),
    ]) -%}
    {{ return(cols) }}
{%- endmacro -%}

{% macro ensure_publish_tables() %}
    {{- return(adapter.dispatch('ensure_publish_tables')()) -}}
{% endmacro %}

{#- Spark: one statement per call, no keys or NOT NULL on file tables, `string` for text. -#}
{% macro spark__ensure_publish_tables() %}
    {%- do run_query('create database if not exists publish') -%}
    {%- do run_query('create table if not exists publish.evaluation_publications (quarter string, version int, '
        ~ 'reason string, run_id string, as_of_date date, policy_version string, input_digest string, '
        ~ 'input_files string, published_at timestamp, rows_published int, graded_reps int, changed_rows int) '
        ~ 'using parquet') -%}
    {%- set cols = [] -%}
    {%- for name, type in evaluation_columns() -%}
        {%- do cols.append(name ~ ' ' ~ ('string' if type == 'varchar' else type)) -%}
    {%- endfor -%}
    {%- do run_query('create table if not exists publish.quarterly_evaluation_versions (version int, '
        ~ cols | join(', ') ~ ') using parquet') -%}
    {%- do run_query('create table if not exists publish.quarterly_evaluation_diffs (quarter string, version int, '
        ~ 'employee_id string, field string, old_value string, new_value string) using parquet') -%}
    select 1
{% endmacro %}

{% macro default__ensure_publish_tables() %}
    {%- set columns = evaluation_columns() -%}
    create schema if not exists publish;
    create table if not exists publish.evaluation_publications (
        quarter varchar not null,
        version integer not null,
        reason varchar not null,
        run_id varchar,
        as_of_date date,
        policy_version varchar,
        input_digest varchar,
        input_files varchar,
        published_at timestamp not null,
        rows_published integer,
        graded_reps integer,
        changed_rows integer,
        primary key (quarter, version)
    );
    create table if not exists publish.quarterly_evaluation_versions (
        version integer not null,
        {%- for name, type in columns %}
        {{ name }} {{ type }}{{ "," if not loop.last }}
        {%- endfor %}
    );
    {#- Columns added after a warehouse's versions table was created (older versions hold null in them). #}
    alter table publish.quarterly_evaluation_versions add column if not exists not_graded_reason varchar;
    alter table publish.quarterly_evaluation_versions add column if not exists tied_at_grade_boundary boolean;
    create table if not exists publish.quarterly_evaluation_diffs (
        quarter varchar not null,
        version integer not null,
        employee_id varchar not null,
        field varchar not null,
        old_value varchar,
        new_value varchar
    );
{% endmacro %}
