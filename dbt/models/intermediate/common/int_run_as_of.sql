{#- The run's data cut-off (docs/metrics.md "as of"): the `as_of_date` var when given, else the latest business date
    seen in the transactional extracts' change stamps. Nothing reads the wall clock, so a run reproduces. -#}
with stamps as (
    select max({{ business_date('system_modstamp') }}) as latest from {{ ref('stg_crm__opportunity') }}
    union all
    select max({{ business_date('system_modstamp') }}) from {{ ref('stg_crm__task') }}
    union all
    select max({{ business_date('updated_at') }}) from {{ ref('stg_finance__invoice') }}
    union all
    select max({{ business_date('updated_at') }}) from {{ ref('stg_finance__payment') }}
)

{#- An aggregate in both branches: exactly one row, whatever the number of stamp sources. -#}
select
    {% if var('as_of_date') %}
    cast('{{ var("as_of_date") }}' as date) as as_of_date
    {% else %}
    max(latest) as as_of_date
    {% endif %}
from (select max(latest) as latest from stamps) latest_stamp
