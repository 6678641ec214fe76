{#- Promotion eligibility for HR (docs/incentives.md, Promotion and PIP): one row per rep and quarter with a
    grading row. Eligible with an annual A of the quarter's year (on the fourth quarter, when the year is graded;
    policy annual_a_qualifies) or with grade A in at least a_quarters_required of the last window_quarters
    quarters ending with this one (policy_promotion in force on the quarter's last day). Grades are the latest
    published version, else the draft (is_published says which). -#}
with quarters as (
    select
        employee_id,
        quarter,
        quarter_end,
        team_id,
        grade,
        status = 'published' as is_published
    from {{ ref('mart_quarterly_evaluation_latest') }}
),

policy as (
    select * from {{ ref('policy_promotion') }}
),

windowed as (
    select
        q.employee_id,
        q.quarter,
        q.quarter_end,
        q.team_id,
        q.grade,
        q.is_published,
        p.a_quarters_required,
        p.window_quarters,
        p.annual_a_qualifies,
        p.policy_version,
        {#- A join, not a correlated subquery: Spark refuses correlated non-equality predicates. -#}
        sum(case when w.grade = 'A' then 1 else 0 end) as a_quarters_in_window
    from quarters q
    inner join policy p on {{ policy_in_force('p', 'q.quarter_end') }}
    inner join quarters w
        on w.employee_id = q.employee_id
        and w.quarter_end <= q.quarter_end
        and w.quarter_end > cast({{ dbt.dateadd('month', '-3 * p.window_quarters', 'q.quarter_end') }} as date)
    group by q.employee_id, q.quarter, q.quarter_end, q.team_id, q.grade, q.is_published, p.a_quarters_required,
        p.window_quarters, p.annual_a_qualifies, p.policy_version
),

annual as (
    select employee_id, cast(year as {{ type_text() }}) as year_key, grade as annual_grade
    from {{ ref('mart_annual_evaluation') }}
),

final as (
    select
        w.employee_id,
        w.quarter,
        cast(w.quarter_end as date) as quarter_end,
        w.team_id,
        w.grade,
        cast(w.is_published as boolean) as is_published,
        cast(w.a_quarters_in_window as integer) as a_quarters_in_window,
        cast(w.window_quarters as integer) as window_quarters,
        cast(w.a_quarters_required as integer) as a_quarters_required,
        case when substr(w.quarter, 5, 2) = 'Q4' then a.annual_grade end as annual_grade,
        cast(w.a_quarters_in_window >= w.a_quarters_required as boolean) as is_sustained_a,
        cast(w.annual_a_qualifies and substr(w.quarter, 5, 2) = 'Q4' and a.annual_grade = 'A' as boolean)
            as is_annual_a,
        cast(w.a_quarters_in_window >= w.a_quarters_required
            or coalesce(w.annual_a_qualifies and substr(w.quarter, 5, 2) = 'Q4' and a.annual_grade = 'A', false)
            as boolean) as is_eligible,
        w.policy_version
    from windowed w
    left join annual a on a.employee_id = w.employee_id and a.year_key = substr(w.quarter, 1, 4)
)

select * from final
