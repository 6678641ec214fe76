{#- Performance improvement plans (docs/incentives.md, Promotion and PIP): one row per plan. A plan starts the
    day after the period that triggers it: an annual C (the source documents' rule, start_on_annual_c) or a
    second consecutive quarterly C (pip_escalation of the grading table, kept as docs/evaluation.md documents it;
    start_on_quarterly_escalation). It runs window_months (3). Coaching coverage: the plan's weeks (7-day blocks
    from the start) up to the as-of date, and those with at least one_to_ones_per_week CRM events owned by the rep
    whose subject is LIKE one_to_one_subject_pattern. Outcome once the window has ended: left (employment ended
    within it), improved (the first quarter graded after the window is A or B), not_improved (C), no_grade;
    in_progress before. Policy rows in force on the triggering period's last day. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

policy as (
    select * from {{ ref('policy_pip') }}
),

quarters as (
    select employee_id, quarter, quarter_end, grade, pip_escalation
    from {{ ref('mart_quarterly_evaluation_latest') }}
),

triggers as (
    select
        a.employee_id,
        'annual_c' as trigger_rule,
        cast(a.year as {{ type_text() }}) as trigger_period,
        cast(cast(a.year as {{ type_text() }}) || '-12-31' as date) as period_end
    from {{ ref('mart_annual_evaluation') }} a
    where a.grade = 'C'
    union all
    select employee_id, 'quarterly_escalation', quarter, quarter_end
    from quarters
    where pip_escalation
),

candidates as (
    select
        t.employee_id,
        t.trigger_rule,
        t.trigger_period,
        cast({{ dbt.dateadd('day', 1, 't.period_end') }} as date) as start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'p.window_months', dbt.dateadd('day', 1, 't.period_end'))) }}
            as date) as end_date,
        p.window_months,
        p.one_to_ones_per_week,
        p.one_to_one_subject_pattern,
        p.policy_version
    from triggers t
    inner join policy p
        on {{ policy_in_force('p', 't.period_end') }}
        and ((t.trigger_rule = 'annual_c' and p.start_on_annual_c)
            or (t.trigger_rule = 'quarterly_escalation' and p.start_on_quarterly_escalation))
),

{#- One plan per rep and start day: a fourth-quarter escalation and the annual C of the same year both start on
    1 January; the annual C names the plan. -#}
plans as (
    select * from (
        select
            candidates.*,
            row_number() over (partition by employee_id, start_date order by trigger_rule) as same_start_rank
        from candidates
    ) ranked
    where same_start_rank = 1
),

events as (
    select u.employee_id, e.event_id, e.subject, e.activity_date
    from {{ ref('stg_crm__event') }} e
    inner join {{ ref('int_crm_users_mapped') }} u on u.crm_user_id = e.owner_user_id
    where u.employee_id is not null
),

weekly as (
    select
        p.employee_id,
        p.trigger_rule,
        p.trigger_period,
        cast(floor({{ dbt.datediff('p.start_date', 'e.activity_date', 'day') }} / 7) as integer) as week_no,
        count(*) as one_to_ones
    from plans p
    inner join events e
        on e.employee_id = p.employee_id
        and e.activity_date between p.start_date and p.end_date
        and e.subject like p.one_to_one_subject_pattern
    cross join as_of a
    where e.activity_date <= a.as_of_date
    group by p.employee_id, p.trigger_rule, p.trigger_period,
        cast(floor({{ dbt.datediff('p.start_date', 'e.activity_date', 'day') }} / 7) as integer)
),

coverage as (
    select
        p.employee_id,
        p.trigger_rule,
        p.trigger_period,
        sum(case when w.one_to_ones >= p.one_to_ones_per_week then 1 else 0 end) as weeks_covered
    from plans p
    left join weekly w
        on w.employee_id = p.employee_id and w.trigger_rule = p.trigger_rule and w.trigger_period = p.trigger_period
    group by p.employee_id, p.trigger_rule, p.trigger_period
),

left_company as (
    select p.employee_id, p.trigger_rule, p.trigger_period, min(s.span_end) as left_on
    from plans p
    inner join {{ ref('int_employment_spans') }} s
        on s.employee_id = p.employee_id and s.span_end between p.start_date and p.end_date
    group by p.employee_id, p.trigger_rule, p.trigger_period
),

next_grade as (
    select employee_id, trigger_rule, trigger_period, quarter as outcome_quarter, grade as outcome_grade
    from (
        select p.employee_id, p.trigger_rule, p.trigger_period, q.quarter, q.grade,
            row_number() over (partition by p.employee_id, p.trigger_rule, p.trigger_period order by q.quarter)
                as rn
        from plans p
        inner join quarters q on q.employee_id = p.employee_id and q.quarter_end >= p.end_date
    ) ranked
    where rn = 1
),

final as (
    select
        p.employee_id,
        p.trigger_rule,
        p.trigger_period,
        p.start_date,
        p.end_date,
        cast(p.window_months as integer) as window_months,
        cast(case when a.as_of_date < p.start_date then 0
            else floor(({{ dbt.datediff('p.start_date', 'least(p.end_date, a.as_of_date)', 'day') }}) / 7) + 1
        end as integer) as weeks_elapsed,
        cast(c.weeks_covered as integer) as weeks_with_one_to_one,
        {{ safe_ratio('c.weeks_covered', "case when a.as_of_date < p.start_date then 0 else floor(("
            ~ dbt.datediff('p.start_date', 'least(p.end_date, a.as_of_date)', 'day') ~ ") / 7) + 1 end") }}
            as one_to_one_coverage,
        l.left_on,
        n.outcome_quarter,
        n.outcome_grade,
        case
            when l.left_on is not null then 'left'
            when a.as_of_date <= p.end_date then 'in_progress'
            when n.outcome_grade in ('A', 'B') then 'improved'
            when n.outcome_grade = 'C' then 'not_improved'
            else 'no_grade'
        end as outcome,
        p.policy_version
    from plans p
    cross join as_of a
    inner join coverage c
        on c.employee_id = p.employee_id and c.trigger_rule = p.trigger_rule and c.trigger_period = p.trigger_period
    left join left_company l
        on l.employee_id = p.employee_id and l.trigger_rule = p.trigger_rule and l.trigger_period = p.trigger_period
    left join next_grade n
        on n.employee_id = p.employee_id and n.trigger_rule = p.trigger_rule and n.trigger_period = p.trigger_period
)

select * from final
