{#- Reports the rows matching `condition` (a rule that must never hold, or a case to report), written once for every
    model. With `report_by` (a list of columns), one failure per distinct combination with its row_count, so the
    test output lists what is wrong (unknown customers, unknown invoices, unmapped payment terms); without it, the
    matching rows themselves. -#}
{% test reported_rows(model, condition, report_by=none) %}
{%- if report_by %}
select
    {% for column in report_by %}{{ column }}, {% endfor %}count(*) as row_count
from {{ model }}
where {{ condition }}
group by {{ report_by | join(', ') }}
{%- else %}
select *
from {{ model }}
where {{ condition }}
{%- endif %}
{% endtest %}
