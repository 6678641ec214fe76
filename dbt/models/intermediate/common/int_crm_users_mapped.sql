{#- CRM user -> employee (docs/sources.md, Identity): the latest version carrying that crm_user_id wins. -#}
select crm_user_id, employee_id
from (
    select
        crm_user_id,
        employee_id,
        row_number() over (partition by crm_user_id order by valid_from desc) as rn
    from {{ ref('int_employee_versions') }}
    where crm_user_id is not null
) ranked
where rn = 1
