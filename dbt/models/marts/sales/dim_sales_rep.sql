{#- Type-2 history of every employee: one row per version in force from valid_from to valid_to. -#}
select
    employee_id,
    valid_from,
    valid_to,
    is_current,
    version_no,
    crm_user_id,
    full_name,
    email,
    team_id,
    team_name,
    region,
    manager_employee_id,
    job_level,
    hire_date,
    termination_date,
    base_monthly_salary,
    currency,
    source_file,
    source_sha256,
    source_row
from {{ ref('int_employee_versions') }}
