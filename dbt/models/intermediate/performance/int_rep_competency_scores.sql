{#- Mean 360 score per rep, review cycle (quarter) and competency over every reviewer row (self, manager, peer,
    customer) submitted by the as-of date, on the 0-100 scale of metrics.md (mean of 1-5 x 20); the rep's own
    mean over competencies; and the weakness rank (1 = lowest score; ties by competency name). -#}
with reviews as (
    select * from {{ ref('stg_surveys__review_360') }}
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

counted as (
    select r.reviewee_employee_id as employee_id, r.cycle as quarter, r.competency, r.score
    from reviews r
    cross join as_of
    where r.reviewee_employee_id is not null
        and r.competency is not null
        and (r.submitted_at is null or {{ business_date('r.submitted_at') }} <= as_of.as_of_date)
),

scored as (
    select
        employee_id,
        quarter,
        competency,
        count(*) as ratings,
        cast(avg(score) * 20 as decimal(18, 4)) as competency_score
    from counted
    group by employee_id, quarter, competency
)

select
    employee_id,
    quarter,
    competency,
    ratings,
    competency_score,
    cast(avg(competency_score) over (partition by employee_id, quarter) as decimal(18, 4)) as rep_mean_score,
    row_number() over (partition by employee_id, quarter order by competency_score, competency) as weakness_rank
from scored
