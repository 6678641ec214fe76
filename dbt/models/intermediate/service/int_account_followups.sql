{#- A follow-up, as the after-sales rules count it (docs/service.md): a completed call, visit or meeting on a customer
    account, from the CRM's tasks and events. Written once for the follow-up after delivery, the follow-up coverage
    and the health report's follow-ups. -#}
{{ config(materialized='view') }}

select account_id, activity_date
from {{ ref('stg_crm__task') }}
where status = 'Completed' and task_type in ('Call', 'Visit', 'Meeting') and account_id is not null
union all
select account_id, activity_date
from {{ ref('stg_crm__event') }}
where event_type in ('Call', 'Visit', 'Meeting') and account_id is not null
