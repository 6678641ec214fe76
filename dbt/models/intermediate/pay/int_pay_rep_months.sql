{#- Who gets a pay statement for which month, and the salary it starts from (docs/pay.md,
    Who gets a statement). The spine is the KPI rep-month spine (every month from the later of hire month and the first
    month with data to the earlier of termination month and the as-of month). Days employed run from the later
    of the month's first day and hire_date to the earlier of the month's last day and termination_date (the
    last day employed), both included. The salary version is the one in force on the reference date (the
    month's last day, or the last day employed). Only job levels with a variable ratio in policy_variable_pay
    (the sales roles) in force on the month's last day get a statement. -#}
with spine as (
    select * from {{ ref('int_rep_months') }}
),

employees as (
    select employee_id, min(hire_date) as hire_date, max(termination_date) as termination_date
    from {{ ref('int_employee_versions') }}
    group by employee_id
),

versions as (
    select * from {{ ref('int_employee_versions') }}
),

variable_pay as (
    select
        job_level,
        cast(variable_ratio as decimal(9, 4)) as variable_ratio,
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to,
        cast(policy_version as {{ type_text() }}) as policy_version
    from {{ ref('policy_variable_pay') }}
),

employed as (
    select
        s.employee_id,
        s.month,
        s.month_end,
        s.quarter,
        s.reference_date,
        e.hire_date,
        e.termination_date,
        case when e.hire_date > s.month then e.hire_date else s.month end as first_day_employed,
        case when e.termination_date is not null and e.termination_date < s.month_end
            then e.termination_date else s.month_end end as last_day_employed
    from spine s
    inner join employees e on e.employee_id = s.employee_id
),

final as (
    select
        m.employee_id,
        m.month,
        m.month_end,
        m.quarter,
        m.reference_date,
        m.hire_date,
        m.termination_date,
        m.first_day_employed,
        m.last_day_employed,
        cast({{ dbt.datediff('m.first_day_employed', 'm.last_day_employed', 'day') }} + 1 as integer)
            as days_employed,
        cast({{ dbt.datediff('m.month', 'm.month_end', 'day') }} + 1 as integer) as days_in_month,
        v.version_no as salary_version_no,
        v.valid_from as salary_valid_from,
        v.team_id,
        v.team_name,
        v.region,
        v.job_level,
        cast(v.base_monthly_salary as decimal(18, 2)) as base_salary_full,
        v.currency as salary_currency,
        p.variable_ratio,
        p.policy_version as variable_pay_policy_version,
        v.updated_at as salary_updated_at,
        v.source_file as salary_source_file,
        v.source_sha256 as salary_source_sha256,
        v.source_row as salary_source_row
    from employed m
    inner join versions v
        on v.employee_id = m.employee_id
        and m.reference_date between v.valid_from and v.valid_to
    inner join variable_pay p
        on p.job_level = v.job_level
        and {{ policy_in_force('p', 'm.month_end') }}
    where m.last_day_employed >= m.first_day_employed
)

select * from final
