{#- The grading table of every quarter as computed from the current data (the draft). Publishing freezes a
    quarter's rows as a version (see marts/evaluation). Rank among graded reps company-wide (grading_rank of
    scoring.sql: composite desc, then attainment, bookings; reps still tied share a rank and a grade, flagged
    tied_at_grade_boundary when the shares would have split them); top floor(a_share x n) A, bottom
    floor(c_share x n) C. A rep is graded when eligible and with a composite score (at least one component with an
    actual), in a quarter where at least min_graded_reps (policy_grading) eligible reps have one; otherwise
    not_graded_reason says why: the ineligible reason, no_component or too_few_graded_reps. -#}
{%- set components = scorecard_component_names() -%}
with components as (
    select * from {{ ref('int_evaluation_components') }}
),

eligibility as (
    select * from {{ ref('int_evaluation_eligibility') }}
),

kpis as (
    select employee_id, quarter, quarter_start, team_id, bookings, attainment, retention_is_final
    from {{ ref('int_rep_quarterly_kpis') }}
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

wide as (
    select
        employee_id,
        quarter,
        {% for c in components %}
        max(case when component = '{{ c }}' then actual end) as {{ c }}_actual,
        max(case when component = '{{ c }}' then target end) as {{ c }}_target,
        max(case when component = '{{ c }}' then score end) as {{ c }}_score,
        max(case when component = '{{ c }}' then weight_used end) as {{ c }}_weight,
        {% endfor %}
        {{ rescaled_weighted_score('base_weight', 'score', 'is_included') }} as composite_score,
        {{ rescaled_weighted_score('base_weight', 'score', 'is_included and is_quantitative') }} as quantitative_score,
        {{ rescaled_weighted_score('base_weight', 'score', 'is_included and not is_quantitative') }} as qualitative_score,
        cast(sum(cast(weight_used as decimal(38, 12))) as {{ type_double() }}) as weights_used_total,
        {{ dbt.listagg("case when not is_included then component end", "','", "order by component") }} as left_out_components,
        max(policy_version) as component_policy_version
    from components
    group by employee_id, quarter
),

candidates as (
    select
        w.*,
        e.is_eligible,
        e.ineligible_reason,
        e.job_level,
        e.hire_date,
        e.quarter_end,
        e.a_share,
        e.c_share,
        e.min_graded_reps,
        e.grading_policy_version,
        k.quarter_start,
        k.team_id,
        k.bookings,
        k.attainment,
        k.retention_is_final,
        e.is_eligible and w.composite_score is not null as has_composite
    from wide w
    inner join eligibility e on e.employee_id = w.employee_id and e.quarter = w.quarter
    inner join kpis k on k.employee_id = w.employee_id and k.quarter = w.quarter
),

quarter_counted as (
    select
        c.*,
        sum(case when has_composite then 1 else 0 end) over (partition by quarter) as reps_with_composite
    from candidates c
),

graded as (
    select
        q.*,
        has_composite and reps_with_composite >= min_graded_reps as is_graded,
        case when not is_eligible then ineligible_reason
             when not has_composite then 'no_component'
             when reps_with_composite < min_graded_reps then 'too_few_graded_reps' end as not_graded_reason
    from quarter_counted q
),

ranked as (
    {{ ranked_for_grading('graded', 'quarter') }}
),

with_grades as (
    select
        r.*,
        cast(floor(a_share * graded_reps) as integer) as a_count_expected,
        cast(floor(c_share * graded_reps) as integer) as c_count_expected,
        {{ grade_from_rank('rank', 'graded_reps', 'a_share', 'c_share') }} as grade,
        -- a graded rep whose rank other reps share across the A or the C boundary (the tie-breaks did not separate
        -- them and the shares would have split them): all of them get the better grade and the gate reports it
        coalesce(rank is not null and count(*) over (partition by quarter, rank) > 1 and (
            (rank <= floor(a_share * graded_reps)
                and rank + count(*) over (partition by quarter, rank) - 1 > floor(a_share * graded_reps))
            or (rank <= graded_reps - floor(c_share * graded_reps)
                and rank + count(*) over (partition by quarter, rank) - 1
                    > graded_reps - floor(c_share * graded_reps))
        ), false) as tied_at_grade_boundary
    from ranked r
),

final as (
    select
        g.employee_id,
        g.quarter,
        g.quarter_start,
        g.quarter_end,
        g.team_id,
        g.job_level,
        g.hire_date,
        g.is_eligible,
        g.ineligible_reason,
        g.is_graded,
        g.not_graded_reason,
        {% for c in components %}
        g.{{ c }}_actual,
        g.{{ c }}_target,
        g.{{ c }}_score,
        coalesce(g.{{ c }}_weight, 0) as {{ c }}_weight,
        {% endfor %}
        g.left_out_components,
        g.weights_used_total,
        g.composite_score,
        cast(round(cast(g.composite_score as decimal(20, 10)), 2) as decimal(9, 2)) as composite_score_display,
        g.quantitative_score,
        g.qualitative_score,
        g.bookings,
        g.attainment,
        cast(g.rank as integer) as rank,
        cast(g.graded_reps as integer) as graded_reps,
        g.a_count_expected,
        g.c_count_expected,
        g.grade,
        g.tied_at_grade_boundary,
        coalesce(g.grade = 'C', false) as pip_required,
        coalesce(g.grade = 'C' and prev.grade = 'C', false) as pip_escalation,
        case when g.component_policy_version = g.grading_policy_version then g.component_policy_version
             else 'components=' || g.component_policy_version || ';grading=' || g.grading_policy_version
        end as policy_version,
        g.quarter_end <= a.as_of_date and g.retention_is_final as is_final
    from with_grades g
    cross join as_of a
    left join with_grades prev
        on prev.employee_id = g.employee_id
        and prev.quarter_start = cast({{ dbt.dateadd('month', '-3', 'g.quarter_start') }} as date)
)

select * from final
