{#- Collection formulas of docs/metrics.md written once, and the generic tests of the finance models. -#}

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

{#- Reports the rows matching `condition`, one failure per distinct `report_by` combination with its row count,
    so the test output lists what is wrong (unknown customers, unknown invoices, unmapped payment terms). -#}
{% test finance_reported_rows(model, condition, report_by) %}
select
    {% for column in report_by %}{{ column }}, {% endfor %}count(*) as row_count
from {{ model }}
where {{ condition }}
group by {{ report_by | join(', ') }}
{% endtest %}
