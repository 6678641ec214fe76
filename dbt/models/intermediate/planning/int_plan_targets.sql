{#- Every delivered target at its scope and grain (docs/planning.md, Target versus actual):

    - rep months: planning/target (stg_planning__target), today's per-rep extract, with the rep's team and region of
      the HR version in force on the month's last day;
    - the plan (stg_planning__plan): years, months and ISO weeks of company, region, team, rep (weeks),
      product_line and customer_tier, each key's version the one with the latest effective_from on or before the
      reference date (a month's or week's first day; for a year the as-of date, kept inside the year), or the
      earliest when none is yet in force (a plan made ahead);
    - company, region and team months the plan does not deliver: the sum of their reps' targets (rep_rollup), the
      team target that rolls up from its members.

    target_source says which; a rep month also carries the rep's team and region (rep_team_id, rep_region), what
    its target rolls up to. Policy rows (scope policy) are not targets of a scope and are left out. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

plan_rows as (
    select
        p.metric, p.scope, p.scope_value, p.period_grain as grain, p.period, p.target_value, p.effective_from,
        case p.period_grain
            when 'year' then cast(p.period || '-01-01' as date)
            when 'month' then cast(p.period || '-01' as date)
            else w.week_start
        end as period_start,
        case p.period_grain
            when 'year' then cast(p.period || '-12-31' as date)
            when 'month' then cast({{ dbt.last_day("cast(p.period || '-01' as date)", 'month') }} as date)
            else w.week_end
        end as period_end
    from {{ ref('stg_planning__plan') }} p
    left join {{ ref('int_plan_weeks') }} w on p.period_grain = 'week' and w.week = p.period
    where p.scope <> 'policy' and p.period_grain is not null
),

referenced as (
    select
        r.*,
        case when r.grain <> 'year' then r.period_start
             when a.as_of_date < r.period_start then r.period_start
             when a.as_of_date > r.period_end then r.period_end
             else a.as_of_date end as reference_date
    from plan_rows r
    cross join as_of a
),

plan_chosen as (
    select metric, scope, scope_value, grain, period, period_start, period_end, target_value
    from (
        select
            r.*,
            row_number() over (
                partition by r.metric, r.scope, r.scope_value, r.grain, r.period
                order by case when r.effective_from <= r.reference_date then 0 else 1 end,
                    case when r.effective_from <= r.reference_date then r.effective_from end desc,
                    r.effective_from
            ) as version_rank
        from referenced r
        where r.period_start is not null
    ) ranked
    where version_rank = 1
),

rep_months as (
    select
        t.metric,
        t.employee_id,
        t.period_month as period_start,
        cast({{ dbt.last_day('t.period_month', 'month') }} as date) as period_end,
        t.target_value,
        e.team_id,
        e.region
    from {{ ref('stg_planning__target') }} t
    left join {{ ref('int_employee_versions') }} e
        on e.employee_id = t.employee_id
        and cast({{ dbt.last_day('t.period_month', 'month') }} as date) between e.valid_from and e.valid_to
),

rollups as (
    select metric, 'company' as scope, 'all' as scope_value, period_start, period_end, sum(target_value) as target_value
    from rep_months group by metric, period_start, period_end
    union all
    select metric, 'region', region, period_start, period_end, sum(target_value)
    from rep_months where region is not null group by metric, region, period_start, period_end
    union all
    select metric, 'team', team_id, period_start, period_end, sum(target_value)
    from rep_months where team_id is not null group by metric, team_id, period_start, period_end
)

select
    metric, scope, scope_value, grain, period, period_start, period_end,
    cast(target_value as decimal(18, 4)) as target_value, 'plan' as target_source,
    cast(null as {{ type_text() }}) as rep_team_id, cast(null as {{ type_text() }}) as rep_region
from plan_chosen
union all
select
    metric, 'rep', employee_id, 'month', substr(cast(period_start as {{ type_text() }}), 1, 7), period_start, period_end,
    cast(target_value as decimal(18, 4)), 'rep_target', team_id, region
from rep_months
union all
select
    u.metric, u.scope, u.scope_value, 'month', substr(cast(u.period_start as {{ type_text() }}), 1, 7), u.period_start, u.period_end,
    cast(u.target_value as decimal(18, 4)), 'rep_rollup', cast(null as {{ type_text() }}),
    cast(null as {{ type_text() }})
from rollups u
where not exists (
    select 1 from plan_chosen p
    where p.grain = 'month' and p.metric = u.metric and p.scope = u.scope and p.scope_value = u.scope_value
        and p.period_start = u.period_start
)
