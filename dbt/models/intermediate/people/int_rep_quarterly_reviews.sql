{#- 360 review per reviewee and cycle (docs/metrics.md, 360 review): a reviewer group's score is the mean score x 20
    (1-5 to 0-100) over its rows in the cycle; review_360_score weighs self, manager and customer by the policy
    rows effective on the quarter's last day (seed policy_review_weights), leaving out a missing group and
    rescaling the others to sum 1. collaboration_score = mean x 20 of manager and peer rows on collaboration and
    knowledge_sharing (null when there are none). Rows submitted after the as-of date do not count. -#}
with reviews as (
    select * from {{ ref('stg_surveys__review_360') }}
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

weights as (
    select
        reviewer_type,
        cast(weight as decimal(9, 4)) as weight,
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to,
        policy_version
    from {{ ref('policy_review_weights') }}
),

quarters as (
    select quarter, max(month_end) as quarter_end
    from {{ ref('int_calendar_months') }}
    group by quarter
),

counted as (
    select
        r.reviewee_employee_id as employee_id,
        r.cycle as quarter,
        r.reviewer_type,
        r.competency,
        r.score
    from reviews r
    cross join as_of
    where r.reviewee_employee_id is not null
        and (r.submitted_at is null or {{ business_date('r.submitted_at') }} <= as_of.as_of_date)
),

group_scores as (
    select
        employee_id,
        quarter,
        reviewer_type,
        -- exact decimal (not the double avg() returns): the weighted sum below must not depend on row order
        cast(avg(score) * 20 as decimal(18, 10)) as group_score
    from counted
    group by employee_id, quarter, reviewer_type
),

policy as (
    select q.quarter, q.quarter_end, max(w.policy_version) as policy_version
    from quarters q
    inner join weights w on q.quarter_end between w.effective_from and w.effective_to
    group by q.quarter, q.quarter_end
),

weighted as (
    select
        g.employee_id,
        g.quarter,
        sum(w.weight * g.group_score) as weighted_score_sum,
        sum(w.weight) as weight_used,
        count(*) as review_groups_used
    from group_scores g
    inner join quarters q on q.quarter = g.quarter
    inner join weights w
        on w.reviewer_type = g.reviewer_type
        and q.quarter_end between w.effective_from and w.effective_to
    where g.group_score is not null
        and w.weight > 0
    group by g.employee_id, g.quarter
),

collaboration as (
    select employee_id, quarter, cast(avg(score) * 20 as {{ type_double() }}) as collaboration_score
    from counted
    where reviewer_type in ('manager', 'peer')
        and competency in ('collaboration', 'knowledge_sharing')
    group by employee_id, quarter
),

rep_cycles as (
    select
        employee_id,
        quarter,
        cast(count(*) as integer) as review_rows
    from counted
    group by employee_id, quarter
),

pivoted as (
    select
        employee_id,
        quarter,
        max(case when reviewer_type = 'self' then group_score end) as self_score,
        max(case when reviewer_type = 'manager' then group_score end) as manager_score,
        max(case when reviewer_type = 'customer' then group_score end) as customer_score,
        max(case when reviewer_type = 'peer' then group_score end) as peer_score
    from group_scores
    group by employee_id, quarter
),

final as (
    select
        r.employee_id,
        r.quarter,
        p.self_score,
        p.manager_score,
        p.customer_score,
        p.peer_score,
        {{ safe_ratio('w.weighted_score_sum', 'w.weight_used') }} as review_360_score,
        cast(coalesce(w.review_groups_used, 0) as integer) as review_groups_used,
        c.collaboration_score,
        r.review_rows,
        pol.policy_version as review_policy_version
    from rep_cycles r
    inner join pivoted p on p.employee_id = r.employee_id and p.quarter = r.quarter
    left join weighted w on w.employee_id = r.employee_id and w.quarter = r.quarter
    left join collaboration c on c.employee_id = r.employee_id and c.quarter = r.quarter
    left join policy pol on pol.quarter = r.quarter
)

select * from final
