{#- Who gets a pay statement for which month, and the salary it starts from (docs/pay.md,
    Who gets a statement). The spine is the KPI rep-month spine (every month from the later of hire month and the first
    month with data to the earlier of termination month and the as-of month; a rehire opens a second span,
    int_employment_spans). Days employed are the days of the month inside an employment span, both ends included:
    from the later of the month's first day and the span's hire date to the earlier of the month's last day and
    its termination date, summed over the spans (a rep who leaves and is rehired in one month gets both parts);
    hire_date and termination_date are the later span's. The salary version is the one in force on the reference date (the
    month's last day, or the last day employed). Only job levels with a variable ratio in policy_variable_pay
    (the sales roles) in force on the month's last day get a statement. -#}
with spine as (
    select * from {{ ref('int_rep_months') }}
),

spans as (
    select employee_id, span_start, span_end from {{ ref('int_employment_spans') }}
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

span_days as (
    select
        s.employee_id,
        s.month,
        p.span_start,
        p.span_end,
        case when p.span_start > s.month then p.span_start else s.month end as first_day,
        case when p.span_end is not null and p.span_end < s.month_end then p.span_end else s.month_end end as last_day
    from spine s
    inner join spans p
        on p.employee_id = s.employee_id
        and p.span_start <= s.month_end
        and (p.span_end is null or p.span_end >= s.month)
),

span_totals as (
    select
        employee_id,
        month,
        max(span_start) as hire_date,
        min(first_day) as first_day_employed,
        max(last_day) as last_day_employed,
        sum(case when last_day >= first_day then {{ dbt.datediff('first_day', 'last_day', 'day') }} + 1 else 0 end)
            as days_employed
    from span_days
    group by employee_id, month
),

employed as (
    select
        s.employee_id,
        s.month,
        s.month_end,
        s.quarter,
        s.reference_date,
        t.hire_date,
        p.span_end as termination_date,
        t.first_day_employed,
        t.last_day_employed,
        t.days_employed
    from spine s
    inner join span_totals t on t.employee_id = s.employee_id and t.month = s.month
    inner join spans p on p.employee_id = s.employee_id and p.span_start = t.hire_date
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
        cast(m.days_employed as integer) as days_employed,
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
