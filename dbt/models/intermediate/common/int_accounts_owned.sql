{#- Each current account with its owner as an employee and its tier for weighting. Invoices are credited to
    the account owner when they carry no salesperson (docs/sources.md, Identity): finance joins on customer_number. -#}
select
    a.account_id,
    a.account_name,
    a.customer_number,
    a.owner_user_id,
    u.employee_id as owner_employee_id,
    a.tier,
    case when a.tier in ('A', 'B', 'C') then a.tier else 'UNKNOWN' end as tier_key,
    a.industry,
    a.account_type,
    a.created_at,
    a.source_file,
    a.source_sha256,
    a.source_row
from {{ ref('stg_crm__account') }} a
left join {{ ref('int_crm_users_mapped') }} u on u.crm_user_id = a.owner_user_id
