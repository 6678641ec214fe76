{#- Values outside [min_value, max_value] fail; nulls pass (a null rate means "no denominator", not an error).
    Same name and arguments as dbt_utils.accepted_range, which needs a package download we avoid. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
select {{ column_name }} as out_of_range_value
from {{ model }}
where {{ column_name }} is not null
    and (
        false
        {% if min_value is not none %} or {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }} {% endif %}
        {% if max_value is not none %} or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }} {% endif %}
    )
{% endtest %}
