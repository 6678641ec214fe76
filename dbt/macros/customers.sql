{#- Customer formulas of docs/metrics.md written once (development, retention, satisfaction, lifetime value), and the
    generic test of the customer models. -#}

{#- Retention: a start customer that is uncovered on the quarter's last day is lost when nothing comes back in the
    days after its coverage end up to and including the same day this many calendar months later. -#}
{% macro churn_window_end(coverage_end) -%}
    {{ add_months(coverage_end, 6) }}
{%- endmacro %}

{#- Renewal: a new contract starting at most this many days after the ending one (31 days is too late). -#}
{% macro renewal_deadline(ending_date) -%}
    {{ add_days(ending_date, 30) }}
{%- endmacro %}

{#- Satisfaction thresholds (seed: < 80 at risk, >= 90 referral-eligible). -#}
{% macro csat_is_at_risk(score) -%}
    ({{ score }} < 80)
{%- endmacro %}

{% macro csat_is_referral_candidate(score) -%}
    ({{ score }} >= 90)
{%- endmacro %}

{#- Covered days to years (a year is 365.25 days on average). -#}
{% macro days_to_years(days) -%}
    (cast({{ days }} as {{ type_double() }}) / 365.25)
{%- endmacro %}


{#- Reports the rows matching `condition` (a rule that must never hold). -#}
{% test customers_reported_rows(model, condition) %}
select *
from {{ model }}
where {{ condition }}
{% endtest %}
