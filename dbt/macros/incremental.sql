{#- Month-incremental staging of the large facts (tasks, events, opportunity history, invoices, payments).

    A month is the unit that is replaced (dbt's delete+insert with unique_key = the fact's month column). Which
    months an incremental run re-derives is not a guess:
    - every month holding any version (old or new) of any record that has a raw row loaded after the newest
      `loaded_at` already in the table: a late change to an April invoice in the December delivery re-derives April;
    - plus the latest `large_fact_lookback_months` months of the table, whatever was delivered (a safety margin).
    A re-derived month is rebuilt from every raw row of every record that has a row in it, so the current version
    and the deletes come out exactly as in a full build. A month whose every record was deleted gets one placeholder
    row (key null) so delete+insert still clears it; the post-hook removes it in the same transaction.
    `spm run --full-refresh` (dbt's --full-refresh) rebuilds them from scratch; needed after a change of the source
    configuration's picklist maps or of SPM_TIMEZONE, which alter every month's values but load no new row.
    Spark (plain Parquet tables, no DELETE) builds them as tables. -#}

{% macro large_fact_materialization() -%}
    {{- 'table' if target.type == 'spark' else 'incremental' -}}
{%- endmacro %}

{#- CTEs `rebuilt_months` (month) and `scoped_source` (the raw rows of every record with a row in those months).
    `raw_relation` is the model's source() (read directly, not through a CTE: DuckDB materializes a CTE read four
    times, copying every raw row), `key` the raw record key, `month_expr` the fact month on raw columns,
    `month_column` the same month's column in the model. Only inside `{% if is_incremental() %}`. -#}
{% macro large_fact_scope(raw_relation, key, month_expr, month_column) -%}
{%- set lookback = var('large_fact_lookback_months') | int -%}
{%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
{%- if month_column not in existing or 'loaded_at' not in existing -%}
    {{ exceptions.raise_compiler_error(
        this ~ " was built before it became month-incremental (no " ~ month_column ~ " / loaded_at column): "
        ~ "rebuild it once with `spm run --full-refresh` (dbt build --full-refresh)") }}
{%- endif -%}
new_keys as (
    select distinct {{ key }} as record_key
    from {{ raw_relation }}
    where _loaded_at > (
        select coalesce(max(loaded_at), cast('1900-01-01 00:00:00' as timestamp)) from {{ this }}
    )
),

rebuilt_months as (
    select distinct {{ month_expr }} as month
    from {{ raw_relation }}
    where {{ key }} in (select record_key from new_keys)
    {%- if lookback > 0 %}
    union
    select distinct {{ month_column }} as month
    from {{ this }}
    where {{ month_column }} > cast({{ dbt.dateadd('month', -lookback, '(select max(' ~ month_column ~ ') from ' ~ this ~ ')') }} as date)
    {%- endif %}
),

scoped_source as (
    select *
    from {{ raw_relation }}
    where {{ key }} in (
        select {{ key }} from {{ raw_relation }} where {{ month_expr }} in (select month from rebuilt_months)
    )
),
{%- endmacro %}

{#- The rows that replace the re-derived months: the current rows of those months, in the table's column order,
    and a placeholder (every column null but the month) for a month left without rows. -#}
{% macro large_fact_batch(current_cte, month_column) -%}
    {%- set columns = adapter.get_columns_in_relation(this) -%}
    select
        {%- for column in columns %}
        {{ adapter.quote(column.name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ current_cte }}
    where {{ month_column }} in (select month from rebuilt_months)
    union all
    select
        {%- for column in columns %}
        {% if column.name == month_column -%} m.month {%- else -%} cast(null as {{ column.data_type }})
        {%- endif %} as {{ adapter.quote(column.name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from rebuilt_months m
    where not exists (select 1 from {{ current_cte }} c where c.{{ month_column }} = m.month)
{%- endmacro %}

{#- Post-hook: the placeholders of emptied months out (a real row never has a null key: ingest requires it). -#}
{% macro drop_month_placeholders(key_column) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where {{ key_column }} is null
    {%- endif -%}
{%- endmacro %}

{#- What a build of a month-incremental model changed, for its tests (issue 29: a monthly run tests what it
    changed, a full build tests everything).

    The pre-hook `record_build_scope` writes one row per build of the model into build_state.incremental_scopes:
    the newest `loaded_at` the table held before an incremental build (its watermark: every row loaded after it is
    this build's new or changed data), or null for a build from scratch (first build, --full-refresh). A test on
    the model says in its `where` config which rows it needs, with two placeholders `get_where_subquery` fills in
    when the test runs:
    - `__changed_since__`: that watermark for this dbt invocation, or the earliest timestamp when the model was
      built whole, or not built by this invocation at all (`dbt test` alone tests everything);
    - `__this__`: the tested relation, for a test that needs the rows beside the changed ones (a unique key is
      checked over every row of each changed record, so a duplicate of a new row in an old month is still found).
    Spark builds these models whole (large_fact_materialization) and keeps no scope table: its tests see every row. -#}
{% macro ensure_build_scopes() %}
    {%- if target.type != 'spark' -%}
    create schema if not exists build_state;
    create table if not exists build_state.incremental_scopes (
        model varchar not null,
        invocation_id varchar not null,
        changed_since timestamp,
        recorded_at timestamp not null
    );
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}

{% macro record_build_scope() -%}
    {%- if target.type != 'spark' -%}
    insert into build_state.incremental_scopes (model, invocation_id, changed_since, recorded_at)
    select '{{ this.schema }}.{{ this.identifier }}', '{{ invocation_id }}',
        {% if is_incremental() -%} (select max(loaded_at) from {{ this }}) {%- else -%} cast(null as timestamp) {%- endif %},
        {{ dbt.current_timestamp() }}
    {%- endif -%}
{%- endmacro %}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if not where -%}
        {{- return(relation) -}}
    {%- endif -%}
    {%- if '__changed_since__' in where or '__this__' in where -%}
        {%- if target.type == 'spark' -%}
            {%- set since = "cast('0001-01-01 00:00:00' as timestamp)" -%}
        {%- else -%}
            {%- set since -%}
            coalesce((
                select max(changed_since) from build_state.incremental_scopes
                where model = '{{ relation.schema }}.{{ relation.identifier }}' and invocation_id = '{{ invocation_id }}'
                having count(changed_since) = count(*)
            ), cast('0001-01-01 00:00:00' as timestamp))
            {%- endset -%}
        {%- endif -%}
        {%- set where = where | replace('__changed_since__', '(' ~ since ~ ')') | replace('__this__', relation | string) -%}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- endset -%}
    {{- return(filtered) -}}
{%- endmacro %}
