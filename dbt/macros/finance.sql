{#- Collection formulas of docs/metrics.md written once (the generic test of the finance
    models is tests/generic/reported_rows.sql). -#}

{#- AR aging bucket (docs/metrics.md, Collection): a negative open balance is an overpayment (credit_balance);
    otherwise by days past due: not_due (<= 0), 1-30, 31-60, 61-90, over_90. -#}
{% macro aging_bucket(days_past_due, open_balance) -%}
    case
        when {{ open_balance }} < 0 then 'credit_balance'
        when {{ days_past_due }} <= 0 then 'not_due'
        when {{ days_past_due }} <= 30 then '1-30'
        when {{ days_past_due }} <= 60 then '31-60'
        when {{ days_past_due }} <= 90 then '61-90'
        else 'over_90'
    end
{%- endmacro %}
