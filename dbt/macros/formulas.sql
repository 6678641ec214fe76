{#- Formulas of docs/metrics.md written once. -#}

{#- A rate whose denominator is zero or missing is null, never 0 and never an error. -#}
{% macro safe_ratio(numerator, denominator) -%}
    (cast({{ numerator }} as double precision) / nullif(cast({{ denominator }} as double precision), 0))
{%- endmacro %}

{#- Growth against a base period: null without a base (no prior bookings). -#}
{% macro growth(current, base) -%}
    (({{ current }}) - ({{ base }})) / nullif(cast({{ base }} as double precision), 0)
{%- endmacro %}
