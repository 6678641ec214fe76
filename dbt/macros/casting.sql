{#- Typing helpers for staging. Raw values were validated at ingest (bad rows are in raw._quarantine),
    so plain casts are safe here; try_cast would hide a contract break instead of failing. -#}

{% macro to_bool(column) -%}
    case when lower({{ column }}) in ('true', '1') then true
         when lower({{ column }}) in ('false', '0') then false end
{%- endmacro %}

{#- An amount in a currency times an FX rate, in DECIMAL(38, 8): DECIMAL(18, 2) x DECIMAL(18, 8) stays 18 digits
    wide in DuckDB and overflows from about 100 million units (24,120,000 x 7.0 did), so the amount is widened first.
    Exact (no float); the reporting columns are DECIMAL(38, 8). -#}
{% macro money_times_rate(amount, rate) -%}
    cast(cast({{ amount }} as decimal(38, 8)) * ({{ rate }}) as decimal(38, 8))
{%- endmacro %}

{#- ISO 8601 with an offset (Salesforce writes +0000) to a UTC timestamp without time zone. -#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    (cast({{ column }} as timestamp with time zone) at time zone 'UTC')
{%- endmacro %}

{#- Spark reads the offset itself; the session time zone is UTC (profiles.yml), so the result is UTC wall time. -#}
{% macro spark__to_utc_timestamp(column) -%}
    cast({{ column }} as timestamp)
{%- endmacro %}

{#- A UTC timestamp to the business date in the company's time zone (docs/sources.md, Time). -#}
{% macro business_date(utc_timestamp) -%}
    {{ return(adapter.dispatch('business_date')(utc_timestamp)) }}
{%- endmacro %}

{% macro default__business_date(utc_timestamp) -%}
    cast(({{ utc_timestamp }} at time zone 'UTC') at time zone '{{ var("timezone") }}' as date)
{%- endmacro %}

{% macro spark__business_date(utc_timestamp) -%}
    cast(from_utc_timestamp({{ utc_timestamp }}, '{{ var("timezone") }}') as date)
{%- endmacro %}

{#- A UTC timestamp as the wall-clock time in the company's time zone (the business-hours rule of docs/service.md). -#}
{% macro local_timestamp(utc_timestamp) -%}
    {{ return(adapter.dispatch('local_timestamp')(utc_timestamp)) }}
{%- endmacro %}

{% macro default__local_timestamp(utc_timestamp) -%}
    cast(({{ utc_timestamp }} at time zone 'UTC') at time zone '{{ var("timezone") }}' as timestamp)
{%- endmacro %}

{% macro spark__local_timestamp(utc_timestamp) -%}
    from_utc_timestamp({{ utc_timestamp }}, '{{ var("timezone") }}')
{%- endmacro %}

