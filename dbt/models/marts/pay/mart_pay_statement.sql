{#- The monthly pay statement (docs/pay.md): one row per employee_id, month and line, with the inputs each
    line used, its policy version and the number of lineage rows behind it (audit_payout_lineage). Statement
    window columns let a quality gate re-derive independently which months every rep must have a statement for. -#}
{%- set programmes = incentive_programmes() -%}
{#- The columns every line of a statement shares (its inputs), copied onto the incentive lines. -#}
{%- set statement_columns = ['policy_version', 'team_id', 'job_level', 'hire_date', 'termination_date',
    'first_day_employed', 'last_day_employed', 'salary_version_no', 'base_salary_full', 'days_employed',
    'days_in_month', 'variable_ratio', 'base_salary_exact', 'target_variable_pay', 'bookings', 'revenue_target',
    'attainment', 'payout_tier', 'payout_factor', 'new_customers_weighted', 'new_customers_target',
    'receivable_due', 'collected', 'collection_rate', 'collection_target', 'attainment_score',
    'new_customers_score', 'collection_score', 'left_out_components', 'quantitative_score', 'quantitative_factor',
    'qualitative_score', 'capability_factor', 'csat_score', 'csat_bonus_threshold', 'evaluation_quarter',
    'evaluation_version', 'clawback_events', 'clawback_original_months', 'clawback_detail'] -%}
with plan_lines as (
    select * from {{ ref('int_pay_statement_lines') }}
),

{#- Incentive programmes paid in the month (docs/incentives.md): one line per programme, the sum of its rows of
    mart_pay_incentive_lines, after the six lines of the 40/50/10 plan; total_pay adds them and moves last. With
    every programme off (the default) there is none and the statement is the plan's, unchanged. -#}
incentives as (
    select
        employee_id,
        paid_month as month,
        programme as line,
        max(line_order) as line_order,
        sum(amount) as amount,
        {{ dbt.listagg('distinct rule_id', "','", 'order by rule_id') }} as rule_ids
    from {{ ref('mart_pay_incentive_lines') }}
    where has_statement and amount > 0
    group by employee_id, paid_month, programme
),

{#- Clawbacks of deal-based incentive payments (negative rows): added to the clawback line. -#}
incentive_clawbacks as (
    select employee_id, paid_month as month, sum(amount) as amount
    from {{ ref('mart_pay_incentive_lines') }}
    where has_statement and amount < 0
    group by employee_id, paid_month
),

incentive_line_totals as (
    select employee_id, month, sum(amount) as amount
    from incentives
    group by employee_id, month
),

incentive_totals as (
    select
        coalesce(l.employee_id, c.employee_id) as employee_id,
        coalesce(l.month, c.month) as month,
        coalesce(l.amount, 0) + coalesce(c.amount, 0) as amount,
        l.employee_id is not null as has_lines,
        c.amount as clawback_amount
    from incentive_line_totals l
    full outer join incentive_clawbacks c on c.employee_id = l.employee_id and c.month = l.month
),

lines as (
    select
        p.employee_id,
        p.month,
        p.line,
        case when p.line = 'total_pay' and t.has_lines then {{ 8 + programmes | length }}
            else p.line_order end as line_order,
        case when p.line = 'total_pay' and t.employee_id is not null then p.amount + t.amount
            when p.line = 'clawback' and t.clawback_amount is not null then p.amount + t.clawback_amount
            else p.amount end as amount,
        case when p.line = 'clawback' and t.clawback_amount is not null and p.reason = 'no_clawback_event'
            then null else p.reason end as reason,
        p.line_share,
        p.line_basis,
        p.line_factor,
        {% for c in statement_columns %}p.{{ c }}{{ ',' if not loop.last }}
        {% endfor %}
    from plan_lines p
    left join incentive_totals t on t.employee_id = p.employee_id and t.month = p.month
    union all
    select
        i.employee_id,
        i.month,
        i.line,
        i.line_order,
        i.amount,
        cast(null as {{ type_text() }}) as reason,
        cast(null as decimal(9, 4)) as line_share,
        'rules ' || i.rule_ids as line_basis,
        cast(null as decimal(38, 10)) as line_factor,
        {% for c in statement_columns %}p.{{ c }}{{ ',' if not loop.last }}
        {% endfor %}
    from incentives i
    inner join plan_lines p on p.employee_id = i.employee_id and p.month = i.month and p.line = 'total_pay'
),

lineage as (
    select employee_id, month, line, count(*) as lineage_rows
    from {{ ref('audit_payout_lineage') }}
    group by employee_id, month, line
),

window_bounds as (
    select min(m.month) as statement_window_start, max(m.month) as statement_window_end
    from {{ ref('int_rep_months') }} m
),

final as (
    select
        l.employee_id,
        l.month,
        l.line,
        cast(l.line_order as integer) as line_order,
        cast(l.amount as decimal(18, 2)) as amount,
        l.reason,
        cast(l.line_share as decimal(9, 4)) as line_share,
        l.line_basis,
        cast(l.line_factor as decimal(38, 10)) as line_factor,
        l.policy_version,
        l.team_id,
        l.job_level,
        l.hire_date,
        l.termination_date,
        l.first_day_employed,
        l.last_day_employed,
        cast(l.days_employed > 0 as boolean) as is_employed,
        w.statement_window_start,
        w.statement_window_end,
        cast(l.salary_version_no as integer) as salary_version_no,
        cast(l.base_salary_full as decimal(18, 2)) as base_salary_full,
        cast(l.days_employed as integer) as days_employed,
        cast(l.days_in_month as integer) as days_in_month,
        cast(l.variable_ratio as decimal(9, 4)) as variable_ratio,
        cast(l.base_salary_exact as decimal(38, 10)) as base_salary_exact,
        cast(l.target_variable_pay as decimal(38, 10)) as target_variable_pay,
        cast(l.bookings as decimal(38, 8)) as bookings,
        cast(l.revenue_target as decimal(18, 2)) as revenue_target,
        cast(l.attainment as decimal(38, 10)) as attainment,
        l.payout_tier,
        cast(l.payout_factor as decimal(38, 10)) as payout_factor,
        cast(l.new_customers_weighted as decimal(18, 4)) as new_customers_weighted,
        cast(l.new_customers_target as decimal(18, 2)) as new_customers_target,
        cast(l.receivable_due as decimal(38, 8)) as receivable_due,
        cast(l.collected as decimal(38, 8)) as collected,
        cast(l.collection_rate as {{ type_double() }}) as collection_rate,
        cast(l.collection_target as {{ type_double() }}) as collection_target,
        cast(l.attainment_score as {{ type_double() }}) as attainment_score,
        cast(l.new_customers_score as {{ type_double() }}) as new_customers_score,
        cast(l.collection_score as {{ type_double() }}) as collection_score,
        l.left_out_components,
        cast(l.quantitative_score as decimal(38, 10)) as quantitative_score,
        cast(l.quantitative_factor as decimal(38, 10)) as quantitative_factor,
        cast(l.qualitative_score as decimal(38, 10)) as qualitative_score,
        cast(l.capability_factor as decimal(38, 10)) as capability_factor,
        cast(l.csat_score as decimal(38, 10)) as csat_score,
        cast(l.csat_bonus_threshold as decimal(9, 2)) as csat_bonus_threshold,
        l.evaluation_quarter,
        cast(l.evaluation_version as integer) as evaluation_version,
        cast(l.clawback_events as integer) as clawback_events,
        l.clawback_original_months,
        l.clawback_detail,
        cast(coalesce(g.lineage_rows, 0) as integer) as lineage_rows
    from lines l
    cross join window_bounds w
    left join lineage g on g.employee_id = l.employee_id and g.month = l.month and g.line = l.line
)

select * from final
