{#- Who is graded (docs/evaluation.md, Eligibility): job level in the policy's list on the quarter's last day (or
    last day employed), hired at least min_tenure_days before the quarter's last day, not terminated before
    it. Hire and termination dates are those of the employment span in force on the quarter's last day (the latest
    span of int_employment_spans begun by then): a rehired rep's quarters before leaving are judged on the first
    hire date, those after the rehire on the new one. Reasons in that precedence: terminated, not_sales_role,
    new_hire. -#}
with kpis as (
    select employee_id, quarter, quarter_end, job_level from {{ ref('int_rep_quarterly_kpis') }}
),

spans as (
    select employee_id, span_start, span_end from {{ ref('int_employment_spans') }}
),

employees as (
    select k.employee_id, k.quarter, s.span_start as hire_date, s.span_end as termination_date
    from kpis k
    inner join spans s on s.employee_id = k.employee_id and s.span_start <= k.quarter_end
    where not exists (
        select 1 from spans later
        where later.employee_id = s.employee_id and later.span_start > s.span_start
            and later.span_start <= k.quarter_end
    )
),

grading as (
    select * from {{ ref('policy_grading') }}
),

checked as (
    select
        k.employee_id,
        k.quarter,
        k.quarter_end,
        k.job_level,
        e.hire_date,
        e.termination_date,
        g.policy_version as grading_policy_version,
        g.a_share,
        g.c_share,
        g.min_graded_reps,
        e.termination_date is not null and e.termination_date < k.quarter_end as is_terminated,
        position('|' || k.job_level || '|' in '|' || g.eligible_job_levels || '|') = 0 as is_not_sales_role,
        e.hire_date > cast({{ dbt.dateadd('day', '-g.min_tenure_days', 'k.quarter_end') }} as date) as is_new_hire
    from kpis k
    inner join employees e on e.employee_id = k.employee_id and e.quarter = k.quarter
    inner join grading g on {{ policy_in_force('g', 'k.quarter_end') }}
)

select
    employee_id,
    quarter,
    quarter_end,
    job_level,
    hire_date,
    termination_date,
    grading_policy_version,
    a_share,
    c_share,
    min_graded_reps,
    not (is_terminated or is_not_sales_role or is_new_hire) as is_eligible,
    case when is_terminated then 'terminated'
         when is_not_sales_role then 'not_sales_role'
         when is_new_hire then 'new_hire' end as ineligible_reason
from checked
