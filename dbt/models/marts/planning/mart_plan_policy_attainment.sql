{#- The plan's policy targets against the actual rate (docs/planning.md, Policy targets), per scope (company,
    region, team, rep), grain (month, quarter, year) and policy, from the numerators and denominators of
    mart_rep_monthly_kpis summed over the scope and period (never an average of rates):

    - new_customer_share = new_customer_bookings / bookings (at least the target);
    - lead_conversion = leads_converted / leads_created;
    - average_deal_size = bookings / won_count;
    - visits_per_rep_week, calls_per_rep_week = visits (calls) / rep-weeks, a rep-month counting days-in-month / 7
      weeks;
    - revenue_per_rep (per-capita output, a year) = bookings / rep-years, a rep-month counting 1/12.

    The target is the plan's policy value (stg_planning__plan, scope policy) of the period's year, the version with
    the latest effective_from on or before the period's first day (the earliest when none is yet in force).
    attainment = actual / target; meets_target = actual >= target; both null without a denominator or a target. -#}
with kpis as (
    select
        employee_id, team_id, region, month, year, quarter,
        cast(bookings as decimal(38, 8)) as bookings,
        cast(coalesce(new_customer_bookings, 0) as decimal(38, 8)) as new_customer_bookings,
        cast(coalesce(leads_created, 0) as decimal(38, 8)) as leads_created,
        cast(coalesce(leads_converted, 0) as decimal(38, 8)) as leads_converted,
        cast(coalesce(won_count, 0) as decimal(38, 8)) as won_count,
        cast(coalesce(visits, 0) as decimal(38, 8)) as visits,
        cast(coalesce(calls, 0) as decimal(38, 8)) as calls,
        cast(extract(day from {{ dbt.last_day('month', 'month') }}) as decimal(38, 8)) / 7 as rep_weeks,
        cast(1 as decimal(38, 8)) / 12 as rep_years
    from (
        select k.*, cast(extract(year from k.month) as integer) as year
        from {{ ref('mart_rep_monthly_kpis') }} k
    ) k
),

measures as (
    select employee_id, team_id, region, month, year, quarter, 'new_customer_share' as policy,
        new_customer_bookings as numerator, bookings as denominator from kpis
    union all
    select employee_id, team_id, region, month, year, quarter, 'lead_conversion', leads_converted, leads_created
    from kpis
    union all
    select employee_id, team_id, region, month, year, quarter, 'average_deal_size', bookings, won_count from kpis
    union all
    select employee_id, team_id, region, month, year, quarter, 'visits_per_rep_week', visits, rep_weeks from kpis
    union all
    select employee_id, team_id, region, month, year, quarter, 'calls_per_rep_week', calls, rep_weeks from kpis
    union all
    select employee_id, team_id, region, month, year, quarter, 'revenue_per_rep', bookings, rep_years from kpis
),

scoped as (
    select 'company' as scope, 'all' as scope_value, m.* from measures m
    union all
    select 'region', region, m.* from measures m where region is not null
    union all
    select 'team', team_id, m.* from measures m where team_id is not null
    union all
    select 'rep', employee_id, m.* from measures m
),

periods as (
    select scope, scope_value, policy, year, 'month' as grain, substr(cast(month as {{ type_text() }}), 1, 7) as period,
        min(month) as period_start, sum(numerator) as numerator, sum(denominator) as denominator
    from scoped group by scope, scope_value, policy, year, month
    union all
    select scope, scope_value, policy, year, 'quarter', quarter, min(month), sum(numerator), sum(denominator)
    from scoped group by scope, scope_value, policy, year, quarter
    union all
    select scope, scope_value, policy, year, 'year', cast(year as {{ type_text() }}), min(month), sum(numerator),
        sum(denominator)
    from scoped group by scope, scope_value, policy, year
),

policy_versions as (
    select plan_year, metric as policy, target_value, effective_from
    from {{ ref('stg_planning__plan') }}
    where scope = 'policy'
),

targeted as (
    select scope, scope_value, grain, period, period_start, policy, numerator, denominator, target
    from (
        select
            p.*,
            v.target_value as target,
            row_number() over (
                partition by p.scope, p.scope_value, p.policy, p.grain, p.period
                order by case when v.effective_from <= p.period_start then 0 else 1 end,
                    case when v.effective_from <= p.period_start then v.effective_from end desc, v.effective_from
            ) as version_rank
        from periods p
        inner join policy_versions v on v.plan_year = p.year and v.policy = p.policy
    ) ranked
    where version_rank = 1
)

select
    scope,
    scope_value,
    grain,
    period,
    period_start,
    policy,
    cast(target as decimal(18, 4)) as target,
    cast(numerator as decimal(38, 8)) as numerator,
    cast(denominator as decimal(38, 8)) as denominator,
    {{ safe_ratio('numerator', 'denominator') }} as actual,
    {{ safe_ratio(safe_ratio('numerator', 'denominator'), 'target') }} as attainment,
    case when target is null or {{ safe_ratio('numerator', 'denominator') }} is null then cast(null as boolean)
         else {{ safe_ratio('numerator', 'denominator') }} >= target end as meets_target
from targeted
