{#- Customer formulas of docs/metrics.md written once (development, retention, satisfaction, lifetime value); their
    generic test is tests/generic/reported_rows.sql. -#}

{#- The values of these rules are policy (seed policy_customers, effective-dated with a policy_version); the
    macros take the policy row's column, so the rule is written here once and its value there once. -#}

{#- Retention: a start customer that is uncovered on the quarter's last day is lost when nothing comes back in the
    days after its coverage end up to and including the same day `months` calendar months later (policy 6). -#}
{% macro churn_window_end(coverage_end, months) -%}
    {{ add_months(coverage_end, months) }}
{%- endmacro %}

{#- Renewal: a new contract starting at most `days` days after the ending one (policy 30; 31 days is too late). -#}
{% macro renewal_deadline(ending_date, days) -%}
    {{ add_days(ending_date, days) }}
{%- endmacro %}

{#- Satisfaction thresholds (policy: below 80 at risk, from 90 referral-eligible). -#}
{% macro csat_is_at_risk(score, at_risk_below) -%}
    ({{ score }} < {{ at_risk_below }})
{%- endmacro %}

{% macro csat_is_referral_candidate(score, referral_from) -%}
    ({{ score }} >= {{ referral_from }})
{%- endmacro %}

{#- Covered days to years (a year is 365.25 days on average). -#}
{% macro days_to_years(days) -%}
    (cast({{ days }} as {{ type_double() }}) / 365.25)
{%- endmacro %}

