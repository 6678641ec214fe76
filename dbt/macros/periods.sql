{#- Period rules written once: the fiscal quarter label, the run's as-of cut-off, the lead-cohort maturity. -#}

{#- `2025Q3` from a date (calendar quarters; fiscal_year_start_month shifts them). -#}
{% macro quarter_label(date_expr) -%}
    {%- set shift = (var('fiscal_year_start_month') | int) - 1 -%}
    {%- set d = dbt.dateadd('month', -shift, date_expr) if shift else date_expr -%}
    cast(extract(year from {{ d }}) as {{ type_text() }}) || 'Q' || cast(extract(quarter from {{ d }}) as {{ type_text() }})
{%- endmacro %}

{#- The run's one data cut-off (docs/metrics.md "as of"): true when a fact dated `date_expr` is known at the as-of
    date of int_run_as_of. Every dated fact a mart shows passes through this macro, so no mart holds a booking,
    lead, stage entry or closed deal dated after the as-of date (and SPM_AS_OF reproduces a past run). -#}
{% macro known_by_as_of(date_expr) -%}
    {{ date_expr }} <= (select as_of_date from {{ ref('int_run_as_of') }})
{%- endmacro %}

{#- A month's lead cohort has had time to convert (docs/metrics.md, Lead conversion): at least
    policy_reporting.lead_conversion_maturity_days (in force on the as-of date) from the month's last day to the
    as-of date. A rate of a cohort that is not final is shown as such, never as a final 0 %. -#}
{% macro lead_cohort_is_final(month_expr) -%}
    ({{ dbt.datediff('cast(' ~ dbt.last_day(month_expr, 'month') ~ ' as date)', '(select as_of_date from ' ~ ref('int_run_as_of') ~ ')', 'day') }}
        >= (select max(p.lead_conversion_maturity_days) from {{ ref('policy_reporting') }} p
            where {{ policy_in_force('p', '(select as_of_date from ' ~ ref('int_run_as_of') ~ ')') }}))
{%- endmacro %}

{#- `2026-W05` from a date: the ISO 8601 week (Monday to Sunday; week 1 holds the year's first Thursday), the week
    grain of the plan (docs/planning.md). Dispatched: Spark names the ISO year YEAROFWEEK. -#}
{% macro iso_week_label(date_expr) -%}
    {{ return(adapter.dispatch('iso_week_label')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_week_label(date_expr) -%}
    cast(cast(extract(isoyear from {{ date_expr }}) as integer) as {{ type_text() }}) || '-W'
        || lpad(cast(cast(extract(week from {{ date_expr }}) as integer) as {{ type_text() }}), 2, '0')
{%- endmacro %}

{% macro spark__iso_week_label(date_expr) -%}
    cast(extract(YEAROFWEEK from {{ date_expr }}) as string) || '-W'
        || lpad(cast(extract(WEEK from {{ date_expr }}) as string), 2, '0')
{%- endmacro %}
