{#- Formulas of docs/metrics.md written once. -#}

{#- A rate whose denominator is zero or missing is null, never 0 and never an error. -#}
{% macro safe_ratio(numerator, denominator) -%}
    (cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0))
{%- endmacro %}

{#- Growth against a base period: null without a base (no prior bookings). -#}
{% macro growth(current, base) -%}
    (({{ current }}) - ({{ base }})) / nullif(cast({{ base }} as {{ type_double() }}), 0)
{%- endmacro %}

{#- Attainment = bookings / revenue target, null without a target or with a target of 0 (docs/metrics.md), written
    once for the KPI marts and the pay statement. KPIs take it as a rate (safe_ratio, a double); the pay statement
    as an exact decimal(38,10) quotient (exact=true: pay_divide of pay.sql), since money is never a float. -#}
{% macro attainment(bookings, revenue_target, exact=false) -%}
    {%- if exact -%}
        {{ pay_divide(bookings, revenue_target) }}
    {%- else -%}
        {{ safe_ratio(bookings, revenue_target) }}
    {%- endif -%}
{%- endmacro %}
