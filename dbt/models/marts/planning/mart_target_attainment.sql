{#- Target versus actual at every scope and grain (docs/planning.md, Target versus actual). One row per metric
    (revenue, new_customers; visits and calls at rep and week only, below),
    scope (company, region, team, rep, product_line, customer_tier), scope value, grain (year, quarter, month, week)
    and period that has a target or an actual.

    target: int_plan_targets (the plan, else the delivered rep targets, else their roll-up); a quarter is the sum of
    its months' targets, a year the plan's year figure when delivered, else the sum of its months; a week only the
    plan's weekly figure. actual: revenue = bookings credited (CNY, int_bookings_credited), new_customers = developed
    accounts weighted by tier (int_accounts_developed), both dated by the as-of cut-off; null for a period that starts
    after the as-of date (not known yet), 0 for a known period without any. attainment = actual / target from the
    summed numerator and denominator of the period (never an average of monthly rates), null without a target or
    with a target of 0. is_target_missing marks a row with an actual and no target; months_without_target counts the
    months of a quarter or year that have a row but no target (0 for months and weeks), so a partial sum says so. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

targets as (
    select * from {{ ref('int_plan_targets') }}
),

accounts as (
    select account_id, tier_key from {{ ref('int_accounts_owned') }}
),

facts as (
    select
        'revenue' as metric, b.close_date as fact_date, b.employee_id, b.team_id, b.region, b.product_line,
        a.tier_key, cast(b.amount_reporting as decimal(38, 8)) as amount
    from {{ ref('int_bookings_credited') }} b
    left join accounts a on a.account_id = b.account_id
    union all
    select
        'new_customers', d.developed_date, d.developed_by_employee_id, e.team_id, e.region,
        cast(null as {{ type_text() }}), d.tier_key, cast(d.tier_weight as decimal(38, 8))
    from {{ ref('int_accounts_developed') }} d
    left join {{ ref('int_employee_versions') }} e
        on e.employee_id = d.developed_by_employee_id and d.developed_date between e.valid_from and e.valid_to
),

scoped as (
    select metric, fact_date, 'company' as scope, 'all' as scope_value, amount from facts
    union all
    select metric, fact_date, 'region', region, amount from facts where region is not null
    union all
    select metric, fact_date, 'team', team_id, amount from facts where team_id is not null
    union all
    select metric, fact_date, 'rep', employee_id, amount from facts where employee_id is not null
    union all
    select metric, fact_date, 'product_line', product_line, amount from facts where product_line is not null
    union all
    select metric, fact_date, 'customer_tier', tier_key, amount from facts where tier_key is not null
),

month_actuals as (
    select metric, scope, scope_value, cast(date_trunc('month', fact_date) as date) as period_start,
        sum(amount) as actual
    from scoped
    group by metric, scope, scope_value, cast(date_trunc('month', fact_date) as date)
),

{#- each fact date matched to its ISO week once, the facts joined to that by date: a range join of every scoped fact
    (1.9M at scale 10) to the weeks was most of the model's time -#}
fact_date_weeks as (
    select d.fact_date, w.week, w.week_start, w.week_end
    from (select distinct fact_date from facts) d
    inner join {{ ref('int_plan_weeks') }} w on d.fact_date between w.week_start and w.week_end
),

week_actuals as (
    select s.metric, s.scope, s.scope_value, w.week as period, w.week_start as period_start,
        w.week_end as period_end, sum(s.amount) as actual
    from scoped s
    inner join fact_date_weeks w on w.fact_date = s.fact_date
    group by s.metric, s.scope, s.scope_value, w.week, w.week_start, w.week_end
),

months as (
    select
        coalesce(t.metric, a.metric) as metric,
        coalesce(t.scope, a.scope) as scope,
        coalesce(t.scope_value, a.scope_value) as scope_value,
        coalesce(t.period_start, a.period_start) as period_start,
        t.target_value as target,
        t.target_source,
        a.actual
    from (select * from targets where grain = 'month') t
    full outer join month_actuals a
        on a.metric = t.metric and a.scope = t.scope and a.scope_value = t.scope_value
        and a.period_start = t.period_start
),

month_rows as (
    select
        metric, scope, scope_value, 'month' as grain, substr(cast(period_start as {{ type_text() }}), 1, 7) as period,
        period_start, cast({{ dbt.last_day('period_start', 'month') }} as date) as period_end,
        target, target_source, actual, cast(case when target is null then 1 else 0 end as integer) as missing_months
    from months
),

quarter_rows as (
    select
        metric, scope, scope_value, 'quarter' as grain, {{ quarter_label('period_start') }} as period,
        min(period_start) as period_start, max(period_end) as period_end,
        sum(target) as target, min(target_source) as target_source, sum(actual) as actual,
        cast(sum(missing_months) as integer) as missing_months
    from month_rows
    group by metric, scope, scope_value, {{ quarter_label('period_start') }}
),

year_months as (
    select
        metric, scope, scope_value, cast(extract(year from period_start) as {{ type_text() }}) as period,
        sum(target) as target, min(target_source) as target_source, sum(actual) as actual,
        cast(sum(missing_months) as integer) as missing_months
    from month_rows
    group by metric, scope, scope_value, cast(extract(year from period_start) as {{ type_text() }})
),

year_rows as (
    select
        coalesce(m.metric, p.metric) as metric,
        coalesce(m.scope, p.scope) as scope,
        coalesce(m.scope_value, p.scope_value) as scope_value,
        'year' as grain,
        coalesce(m.period, p.period) as period,
        cast(coalesce(m.period, p.period) || '-01-01' as date) as period_start,
        cast(coalesce(m.period, p.period) || '-12-31' as date) as period_end,
        coalesce(p.target_value, m.target) as target,
        case when p.target_value is not null then 'plan' else m.target_source end as target_source,
        m.actual,
        coalesce(m.missing_months, 0) as missing_months
    from year_months m
    full outer join (select * from targets where grain = 'year') p
        on p.metric = m.metric and p.scope = m.scope and p.scope_value = m.scope_value and p.period = m.period
),

week_rows as (
    select
        coalesce(t.metric, a.metric) as metric,
        coalesce(t.scope, a.scope) as scope,
        coalesce(t.scope_value, a.scope_value) as scope_value,
        'week' as grain,
        coalesce(t.period, a.period) as period,
        coalesce(t.period_start, a.period_start) as period_start,
        coalesce(t.period_end, a.period_end) as period_end,
        t.target_value as target,
        t.target_source,
        a.actual,
        cast(0 as integer) as missing_months
    from (select * from targets where grain = 'week') t
    full outer join week_actuals a
        on a.metric = t.metric and a.scope = t.scope and a.scope_value = t.scope_value and a.period = t.period
),

{#- The week's activity against target: visits and calls per rep and ISO week (int_rep_weekly_activities) against
    the plan's policy visits_per_rep_week / calls_per_rep_week of the week's ISO year, the version in force on the
    week's Monday (the earliest when none is yet). A row for every week a rep is employed on at least one day
    (the current HR version's hire to termination) in a plan year with the policy, and for every week with an
    activity; target_source policy. -#}
activity_policies as (
    select plan_year, case metric when 'visits_per_rep_week' then 'visits' else 'calls' end as metric,
        target_value, effective_from
    from {{ ref('stg_planning__plan') }}
    where scope = 'policy' and metric in ('visits_per_rep_week', 'calls_per_rep_week')
),

activity_actuals as (
    select 'visits' as metric, employee_id, week, week_start, week_end, visits as actual
    from {{ ref('int_rep_weekly_activities') }}
    union all
    select 'calls', employee_id, week, week_start, week_end, calls from {{ ref('int_rep_weekly_activities') }}
),

employed_weeks as (
    select e.employee_id, w.week, w.week_start, w.week_end, p.metric, p.target_value, p.effective_from
    from {{ ref('int_employee_versions') }} e
    inner join {{ ref('int_plan_weeks') }} w
        on e.hire_date <= w.week_end and (e.termination_date is null or e.termination_date >= w.week_start)
    inner join activity_policies p on p.plan_year = cast(substr(w.week, 1, 4) as integer)
    where e.is_current
),

activity_targets as (
    select metric, employee_id, week, week_start, week_end, target_value
    from (
        select
            w.*,
            row_number() over (
                partition by w.metric, w.employee_id, w.week
                order by case when w.effective_from <= w.week_start then 0 else 1 end,
                    case when w.effective_from <= w.week_start then w.effective_from end desc, w.effective_from
            ) as version_rank
        from employed_weeks w
    ) ranked
    where version_rank = 1
),

activity_rows as (
    select
        coalesce(t.metric, a.metric) as metric,
        'rep' as scope,
        coalesce(t.employee_id, a.employee_id) as scope_value,
        'week' as grain,
        coalesce(t.week, a.week) as period,
        coalesce(t.week_start, a.week_start) as period_start,
        coalesce(t.week_end, a.week_end) as period_end,
        t.target_value as target,
        case when t.target_value is not null then 'policy' end as target_source,
        a.actual,
        cast(0 as integer) as missing_months
    from activity_targets t
    full outer join activity_actuals a
        on a.metric = t.metric and a.employee_id = t.employee_id and a.week = t.week
),

all_rows as (
    select * from month_rows
    union all select * from quarter_rows
    union all select * from year_rows
    union all select * from week_rows
    union all select * from activity_rows
)

select
    r.metric,
    r.scope,
    r.scope_value,
    r.grain,
    r.period,
    r.period_start,
    r.period_end,
    cast(r.target as decimal(18, 4)) as target,
    r.target_source,
    case when r.period_start > a.as_of_date then cast(null as decimal(38, 8))
         else cast(coalesce(r.actual, 0) as decimal(38, 8)) end as actual,
    case when r.period_start > a.as_of_date then cast(null as {{ type_double() }})
         else {{ attainment('coalesce(r.actual, 0)', 'r.target') }} end as attainment,
    r.target is null as is_target_missing,
    case when r.grain in ('quarter', 'year') then r.missing_months else cast(0 as integer) end
        as months_without_target,
    r.period_end > a.as_of_date as is_partial
from all_rows r
cross join as_of a
