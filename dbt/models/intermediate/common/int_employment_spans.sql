{#- Employment spans from the type-2 HR history (docs/sources.md, HR): one span per hire date an employee's versions
    carry, from that hire date to the termination date of the latest version with that hire date (open when it has
    none). A rehire under the same employee id opens a second span, so the months between the spans are not
    employed and the months after the rehire are. A span without termination that a later hire date follows is a
    corrected hire date, not an employment, and is dropped. -#}
with versions as (
    select * from {{ ref('int_employee_versions') }}
),

per_hire as (
    select
        employee_id,
        hire_date,
        termination_date,
        row_number() over (partition by employee_id, hire_date order by version_no desc) as rn
    from versions
    where hire_date is not null
),

spans as (
    select
        employee_id,
        hire_date,
        termination_date,
        lead(hire_date) over (partition by employee_id order by hire_date) as next_hire_date
    from per_hire
    where rn = 1
)

select
    employee_id,
    cast(row_number() over (partition by employee_id order by hire_date) as integer) as span_no,
    hire_date as span_start,
    termination_date as span_end,
    next_hire_date
from spans
where termination_date is not null or next_hire_date is null
