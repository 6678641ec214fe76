{#- Learning per employee and quarter of completed_date (docs/metrics.md): learning_hours = sum of hours of passed
    trainings completed in the quarter; certifications = how many of those passed trainings carry a non-empty
    certification. A quarter with only failed trainings has a row with 0. Completions after the as-of date do
    not count. -#}
with trainings as (
    select * from {{ ref('stg_hr__training') }}
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

completed as (
    select
        t.employee_id,
        {{ quarter_label('t.completed_date') }} as quarter,
        t.passed,
        t.hours,
        t.passed and nullif(trim(t.certification), '') is not null as is_certified
    from trainings t
    cross join as_of
    where t.employee_id is not null
        and t.completed_date <= as_of.as_of_date
),

final as (
    select
        employee_id,
        quarter,
        cast(coalesce(sum(case when passed then hours end), 0) as decimal(18, 2)) as learning_hours,
        cast(sum(case when is_certified then 1 else 0 end) as integer) as certifications,
        cast(sum(case when passed then 1 else 0 end) as integer) as passed_trainings,
        cast(count(*) as integer) as trainings_completed
    from completed
    group by employee_id, quarter
)

select * from final
