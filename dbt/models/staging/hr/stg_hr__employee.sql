{#- Every version is kept (type-2 history is built in int_employee_versions). Only exact re-deliveries of a
    version (same employee and updated_at) are collapsed, the later file winning. -#}
with source as (
    {{ current_versions(source('hr', 'employee'), ['employee_id', 'updated_at'], to_utc_timestamp('updated_at')) }}
),

renamed as (
    select
        employee_id,
        crm_user_id,
        full_name,
        email,
        team_id,
        team_name,
        region,
        manager_employee_id,
        {{ picklist_value('hr__employee', 'job_level', 'job_level') }} as job_level,
        cast(hire_date as date) as hire_date,
        cast(termination_date as date) as termination_date,
        cast(base_monthly_salary as decimal(18, 2)) as base_monthly_salary,
        currency,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    employee_id, crm_user_id, full_name, email, team_id, team_name, region, manager_employee_id, job_level,
    hire_date, termination_date, base_monthly_salary, currency, is_deleted, updated_at,
    {{ business_date('updated_at') }} as updated_date, source_file, source_sha256, source_row, file_order
from renamed
where version_rank = 1
