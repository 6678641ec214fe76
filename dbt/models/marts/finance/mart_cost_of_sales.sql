{#- Cost of sales (docs/incentives.md, Cost of sales): one row per scope (company, team, rep), scope id, grain
    (month, quarter) and period. expenses = Σ expense lines (finance/expense; in the reporting currency at the
    month's rate), by category; expense_ratio = expenses / bookings against policy_cost_of_sales (8 %, the row in
    force on the period's last day); incentive_cost = Σ the pay statement's lines other than base_salary and
    total_pay (performance pay, bonuses, incentive lines, clawbacks) and incentive_cost_ratio = incentive_cost /
    bookings. A rep's expenses and pay go to the rep's team of the month, bookings to the team at close (as in
    mart_team_monthly_kpis). Null ratios without bookings; no row at all without an expense extract. -#}
with expenses as (
    select
        e.employee_id,
        e.expense_month as month,
        e.category,
        case when e.currency = '{{ var("reporting_currency") }}' then cast(e.amount as decimal(38, 8))
            else {{ money_times_rate('e.amount', 'fx.rate_to_reporting') }} end as amount_reporting
    from {{ ref('stg_finance__expense') }} e
    left join {{ ref('int_fx_rates') }} fx on fx.currency = e.currency and fx.rate_month = e.expense_month
),

rep_months as (
    select employee_id, month, team_id from {{ ref('int_rep_months') }}
),

pay as (
    select employee_id, month, team_id, sum(amount) as incentive_cost
    from {{ ref('mart_pay_statement') }}
    where line not in ('base_salary', 'total_pay')
    group by employee_id, month, team_id
),

rep_expenses as (
    select
        e.employee_id,
        e.month,
        r.team_id,
        sum(e.amount_reporting) as expenses,
        {% for c in ['travel', 'marketing', 'entertainment', 'other'] %}
        sum(case when e.category = '{{ c }}' then e.amount_reporting else 0 end) as {{ c }}_expenses,
        {% endfor %}
        count(*) as expense_lines
    from expenses e
    left join rep_months r on r.employee_id = e.employee_id and r.month = e.month
    group by e.employee_id, e.month, r.team_id
),

bookings as (
    select employee_id, month, team_id, bookings from {{ ref('int_rep_monthly_bookings') }}
),

{#- One row per source: expenses, bookings and pay, with its rep, team and month; rolled up below. -#}
parts as (
    select employee_id, month, team_id, expenses, travel_expenses, marketing_expenses, entertainment_expenses,
        other_expenses, cast(0 as decimal(38, 8)) as bookings, cast(0 as decimal(38, 2)) as incentive_cost
    from rep_expenses
    union all
    select employee_id, month, team_id, 0, 0, 0, 0, 0, bookings, 0
    from bookings
    union all
    select employee_id, month, team_id, 0, 0, 0, 0, 0, 0, incentive_cost
    from pay
),

calendar as (
    select month, quarter, min(month) over (partition by quarter) as quarter_start,
        max(month_end) over (partition by quarter) as quarter_end, month_end
    from {{ ref('int_calendar_months') }}
),

scoped as (
    select 'company' as scope, 'company' as scope_id, p.*, c.quarter, c.quarter_start, c.quarter_end, c.month_end
    from parts p inner join calendar c on c.month = p.month
    union all
    select 'team', p.team_id, p.*, c.quarter, c.quarter_start, c.quarter_end, c.month_end
    from parts p inner join calendar c on c.month = p.month
    where p.team_id is not null
    union all
    select 'rep', p.employee_id, p.*, c.quarter, c.quarter_start, c.quarter_end, c.month_end
    from parts p inner join calendar c on c.month = p.month
),

periods as (
    select scope, scope_id, 'month' as grain, cast(month as {{ type_text() }}) as period, month as period_start,
        month_end as period_end, expenses, travel_expenses, marketing_expenses, entertainment_expenses,
        other_expenses, bookings, incentive_cost
    from scoped
    union all
    select scope, scope_id, 'quarter', quarter, quarter_start, quarter_end, expenses, travel_expenses,
        marketing_expenses, entertainment_expenses, other_expenses, bookings, incentive_cost
    from scoped
),

summed as (
    select
        scope, scope_id, grain, period, period_start, period_end,
        sum(expenses) as expenses,
        sum(travel_expenses) as travel_expenses,
        sum(marketing_expenses) as marketing_expenses,
        sum(entertainment_expenses) as entertainment_expenses,
        sum(other_expenses) as other_expenses,
        sum(bookings) as bookings,
        sum(incentive_cost) as incentive_cost
    from periods
    group by scope, scope_id, grain, period, period_start, period_end
),

final as (
    select
        s.scope,
        s.scope_id,
        s.grain,
        s.period,
        cast(s.period_start as date) as period_start,
        cast(s.period_end as date) as period_end,
        cast(s.expenses as decimal(38, 8)) as expenses,
        cast(s.travel_expenses as decimal(38, 8)) as travel_expenses,
        cast(s.marketing_expenses as decimal(38, 8)) as marketing_expenses,
        cast(s.entertainment_expenses as decimal(38, 8)) as entertainment_expenses,
        cast(s.other_expenses as decimal(38, 8)) as other_expenses,
        cast(s.bookings as decimal(38, 8)) as bookings,
        {{ safe_ratio('s.expenses', 's.bookings') }} as expense_ratio,
        cast(p.max_expense_ratio as decimal(9, 4)) as max_expense_ratio,
        cast(s.expenses > p.max_expense_ratio * s.bookings as boolean) as is_over_policy,
        cast(s.incentive_cost as decimal(38, 2)) as incentive_cost,
        {{ safe_ratio('s.incentive_cost', 's.bookings') }} as incentive_cost_ratio,
        p.policy_version
    from summed s
    inner join {{ ref('policy_cost_of_sales') }} p on {{ policy_in_force('p', 's.period_end') }}
    where exists (select 1 from {{ ref('stg_finance__expense') }})
)

select * from final
