{#- The rep-month spine of the monthly marts: every employee, every month of each employment span
    (int_employment_spans: a rehire opens a second span) from the later of hire month and the first month with any
    dated fact (int_data_months), to the earlier of termination month and the as-of month. A month two spans touch
    (left and rehired in it) is one row, on the later span. Team and region are the version in force on the month's
    last day, or on the last day employed. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

{#- The first month of any dated fact (targets, tasks, invoices, payments, opportunities), not the first close:
    a quiet first month with targets and salaries but no booking is still a month of the spine. -#}
first_data as (
    select first_month from {{ ref('int_data_months') }}
),

employees as (
    select employee_id, span_start as hire_date, span_end as termination_date
    from {{ ref('int_employment_spans') }}
),

months as (
    select c.month, c.month_end, c.quarter, c.year
    from {{ ref('int_calendar_months') }} c
    cross join as_of
    cross join first_data
    where c.month <= as_of.as_of_date and c.month >= first_data.first_month
),

spanned as (
    select
        e.employee_id,
        e.hire_date,
        m.month,
        m.month_end,
        m.quarter,
        m.year,
        case when e.termination_date is not null and e.termination_date < m.month_end
            then e.termination_date else m.month_end end as reference_date
    from employees e
    inner join months m
        on m.month_end >= e.hire_date
        and (e.termination_date is null or m.month <= e.termination_date)
),

spine as (
    select employee_id, month, month_end, quarter, year, reference_date
    from (
        select *, row_number() over (partition by employee_id, month order by hire_date desc) as rn
        from spanned
    ) latest_span
    where rn = 1
)

select
    s.employee_id,
    s.month,
    s.month_end,
    s.quarter,
    s.year,
    s.reference_date,
    v.team_id,
    v.team_name,
    v.region,
    v.job_level
from spine s
left join {{ ref('int_employee_versions') }} v
    on v.employee_id = s.employee_id
    and s.reference_date between v.valid_from and v.valid_to
