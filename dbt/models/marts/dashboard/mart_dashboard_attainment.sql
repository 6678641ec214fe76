{#- The attainment-distribution panel of every dashboard page: per scope and month, the reps of the month
    (mart_rep_monthly_kpis; a team's by their team in the month, a rep's own row) counted per attainment bucket
    (20-point buckets from 0 % and one open bucket from 120 %), each bucket marked when it lies below the bonus
    threshold (mart_company_monthly_kpis.bonus_threshold, from policy_payout_tiers), and the scope's counts of reps
    with and without a target and below the threshold (the same on each bucket row of the scope and month).
    Every scope the page has (the rows of the three monthly marts) gets all seven buckets, zero counts included. -#}
with buckets as (
    select bucket_order, cast(low as {{ type_double() }}) as low, cast(high as {{ type_double() }}) as high
    from (values (1, 0.0, 0.2), (2, 0.2, 0.4), (3, 0.4, 0.6), (4, 0.6, 0.8), (5, 0.8, 1.0), (6, 1.0, 1.2),
        (7, 1.2, null)) as b (bucket_order, low, high)
),

thresholds as (
    select month, cast(bonus_threshold as {{ type_double() }}) as bonus_threshold
    from {{ ref('mart_company_monthly_kpis') }}
),

reps as (
    select employee_id, team_id, month, cast(attainment as {{ type_double() }}) as attainment
    from {{ ref('mart_rep_monthly_kpis') }}
),

scopes as (
    select 'company' as scope, cast(null as {{ type_text() }}) as team_id, cast(null as {{ type_text() }}) as employee_id,
        month
    from {{ ref('mart_company_monthly_kpis') }}
    union all
    select 'team', team_id, null, month from {{ ref('mart_team_monthly_kpis') }}
    union all
    select 'rep', null, employee_id, month from {{ ref('mart_rep_monthly_kpis') }}
),

members as (
    select s.scope, s.team_id, s.employee_id, s.month, r.attainment, t.bonus_threshold
    from scopes s
    inner join reps r
        on r.month = s.month
        and (s.scope = 'company' or (s.scope = 'team' and r.team_id = s.team_id)
            or (s.scope = 'rep' and r.employee_id = s.employee_id))
    left join thresholds t on t.month = s.month
),

summary as (
    select
        scope, team_id, employee_id, month,
        count(attainment) as reps_with_target,
        count(*) - count(attainment) as reps_without_target,
        count(case when attainment < bonus_threshold then 1 end) as reps_below_bonus_threshold
    from members
    group by scope, team_id, employee_id, month
),

counts as (
    select m.scope, m.team_id, m.employee_id, m.month, b.bucket_order, count(*) as reps
    from members m
    inner join buckets b on m.attainment >= b.low and (b.high is null or m.attainment < b.high)
    group by m.scope, m.team_id, m.employee_id, m.month, b.bucket_order
),

final as (
    select
        s.scope,
        s.team_id,
        s.employee_id,
        s.month,
        cast(b.bucket_order as integer) as bucket_order,
        b.low,
        b.high,
        cast(coalesce(c.reps, 0) as bigint) as reps,
        coalesce(b.low < t.bonus_threshold, false) as below_threshold,
        cast(coalesce(m.reps_with_target, 0) as bigint) as reps_with_target,
        cast(coalesce(m.reps_without_target, 0) as bigint) as reps_without_target,
        cast(coalesce(m.reps_below_bonus_threshold, 0) as bigint) as reps_below_bonus_threshold
    from scopes s
    cross join buckets b
    left join thresholds t on t.month = s.month
    left join summary m
        on m.scope = s.scope and m.month = s.month
        and coalesce(m.team_id, '') = coalesce(s.team_id, '') and coalesce(m.employee_id, '') = coalesce(s.employee_id, '')
    left join counts c
        on c.scope = s.scope and c.month = s.month and c.bucket_order = b.bucket_order
        and coalesce(c.team_id, '') = coalesce(s.team_id, '') and coalesce(c.employee_id, '') = coalesce(s.employee_id, '')
)

select * from final
