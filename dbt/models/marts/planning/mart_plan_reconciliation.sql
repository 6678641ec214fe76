{#- Where the delivered rep targets do not add up to the plan (docs/planning.md, Reconciliation): every company,
    region and team figure the plan delivers for a month or a year, next to the sum of the delivered rep targets
    (planning/target) that roll up to it (the rep's team and region in force on the month's last day). adds_up is
    false when they differ, and also when no rep has a target there (rep_target_sum null, reps_with_target 0): a
    plan nobody carries. The warn test plan_rep_targets_add_up_to_the_plan lists the rows that do not. -#}
with targets as (
    select * from {{ ref('int_plan_targets') }}
),

reps as (
    select metric, period_start, rep_team_id, rep_region, target_value
    from targets
    where scope = 'rep' and grain = 'month' and target_source = 'rep_target'
),

rep_sums as (
    select metric, 'company' as scope, 'all' as scope_value, 'month' as grain,
        substr(cast(period_start as {{ type_text() }}), 1, 7) as period, sum(target_value) as rep_target_sum,
        count(*) as reps_with_target
    from reps group by metric, period_start
    union all
    select metric, 'region', rep_region, 'month', substr(cast(period_start as {{ type_text() }}), 1, 7),
        sum(target_value), count(*)
    from reps where rep_region is not null group by metric, rep_region, period_start
    union all
    select metric, 'team', rep_team_id, 'month', substr(cast(period_start as {{ type_text() }}), 1, 7),
        sum(target_value), count(*)
    from reps where rep_team_id is not null group by metric, rep_team_id, period_start
    union all
    select metric, 'company', 'all', 'year', cast(extract(year from period_start) as {{ type_text() }}),
        sum(target_value), count(*)
    from reps group by metric, cast(extract(year from period_start) as {{ type_text() }})
    union all
    select metric, 'region', rep_region, 'year', cast(extract(year from period_start) as {{ type_text() }}),
        sum(target_value), count(*)
    from reps where rep_region is not null
    group by metric, rep_region, cast(extract(year from period_start) as {{ type_text() }})
    union all
    select metric, 'team', rep_team_id, 'year', cast(extract(year from period_start) as {{ type_text() }}),
        sum(target_value), count(*)
    from reps where rep_team_id is not null
    group by metric, rep_team_id, cast(extract(year from period_start) as {{ type_text() }})
),

plan as (
    select metric, scope, scope_value, grain, period, period_start, target_value
    from targets
    where target_source = 'plan' and grain in ('month', 'year') and scope in ('company', 'region', 'team')
)

select
    p.metric,
    p.scope,
    p.scope_value,
    p.grain,
    p.period,
    p.period_start,
    cast(p.target_value as decimal(18, 4)) as plan_target,
    cast(s.rep_target_sum as decimal(18, 4)) as rep_target_sum,
    cast(coalesce(s.reps_with_target, 0) as integer) as reps_with_target,
    cast(p.target_value - coalesce(s.rep_target_sum, 0) as decimal(18, 4)) as difference,
    coalesce(s.rep_target_sum = p.target_value, false) as adds_up
from plan p
left join rep_sums s
    on s.metric = p.metric and s.scope = p.scope and s.scope_value = p.scope_value and s.grain = p.grain
    and s.period = p.period
