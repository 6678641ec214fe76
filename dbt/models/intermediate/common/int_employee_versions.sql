{#- Type-2 employee history (docs/sources.md, HR): a version is in force from its updated_at business date until
    the next version's; the first version also covers every earlier date. Several versions on one business
    date: the latest stamp wins. An employee whose latest version is deleted counts for nothing. -#}
{{ config(materialized='view') }}  {#- the table is dim_sales_rep, which publishes it: materialised once -#}
with versions as (
    select * from {{ ref('stg_hr__employee') }}
),

latest_per_day as (
    select
        *,
        row_number() over (
            partition by employee_id, updated_date order by updated_at desc, file_order desc, source_row desc
        ) as day_rank
    from versions
),

deleted_employees as (
    select employee_id
    from (
        select employee_id, is_deleted,
            row_number() over (partition by employee_id order by updated_at desc, file_order desc) as rn
        from versions
    ) latest
    where rn = 1 and is_deleted
),

ordered as (
    select
        v.*,
        row_number() over (partition by v.employee_id order by v.updated_date) as version_no,
        lead(v.updated_date) over (partition by v.employee_id order by v.updated_date) as next_valid_from
    from latest_per_day v
    where v.day_rank = 1
        and not v.is_deleted
        and v.employee_id not in (select employee_id from deleted_employees)
)

select
    employee_id,
    version_no,
    case when version_no = 1 then cast('1900-01-01' as date) else updated_date end as valid_from,
    case when next_valid_from is null then cast('9999-12-31' as date)
         else cast({{ dbt.dateadd('day', '-1', 'next_valid_from') }} as date) end as valid_to,
    next_valid_from is null as is_current,
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
    updated_at,
    source_file,
    source_sha256,
    source_row
from ordered
