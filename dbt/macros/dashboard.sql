{#- Aggregates the dashboard marts need whose SQL differs by engine (adapter.dispatch). -#}

{#- The median of a column over a group (DSO per team and company). -#}
{% macro median_of(column) -%}
    {{ return(adapter.dispatch('median_of')(column)) }}
{%- endmacro %}

{% macro default__median_of(column) -%}median({{ column }}){%- endmacro %}

{% macro postgres__median_of(column) -%}percentile_cont(0.5) within group (order by {{ column }}){%- endmacro %}

{% macro spark__median_of(column) -%}percentile({{ column }}, 0.5){%- endmacro %}

{#- The mean of a column's non-null values as a DOUBLE, added one by one in `order_by` order: a sum of doubles
    depends on its order, so the figure is the same on every run (and the same bits the dashboard showed when it
    averaged the team's leaderboard rows in Python). Null when no value is non-null. -#}
{% macro ordered_mean(column, order_by) -%}
    {{ return(adapter.dispatch('ordered_mean')(column, order_by)) }}
{%- endmacro %}

{% macro default__ordered_mean(column, order_by) -%}
    (list_reduce(list(cast({{ column }} as double) order by {{ order_by }}) filter (where {{ column }} is not null),
        lambda a, b: a + b, cast(0 as double)) / nullif(count({{ column }}), 0))
{%- endmacro %}

{% macro postgres__ordered_mean(column, order_by) -%}
    avg(cast({{ column }} as double precision))
{%- endmacro %}

{% macro spark__ordered_mean(column, order_by) -%}
    avg(cast({{ column }} as double))
{%- endmacro %}
