{#- Values of a configured picklist field that the source configuration does not map, one row per value with its
    row count. Used with severity warn on fields no formula needs: the rows are kept, and the warning says which
    values to add to the map (dbt prints the number of distinct values; `dbt test --store-failures` keeps them). -#}
{% test picklist_value_mapped(model, column_name, extract, field) %}
select {{ column_name }} as unmapped_value, count(*) as row_count
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in (
        select p.source_value from {{ source('config', 'source_picklist') }} p
        where p.extract = '{{ extract }}' and p.field = '{{ field }}'
    )
group by {{ column_name }}
{% endtest %}
