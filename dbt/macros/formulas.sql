{#- Formulas of docs/metrics.md written once. -#}

{#- A rate whose denominator is zero or missing is null, never 0 and never an error. -#}
{% macro safe_ratio(numerator, denominator) -%}
    (cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0))
{%- endmacro %}

{#- Growth against a base period: null without a base (no prior bookings). -#}
{% macro growth(current, base) -%}
    (({{ current }}) - ({{ base }})) / nullif(cast({{ base }} as {{ type_double() }}), 0)
{%- endmacro %}
