{#- The monthly pay statement (docs/pay.md): one row per employee_id, month and line, with the inputs each
    line used, its policy version and the number of lineage rows behind it (audit_payout_lineage). Statement
    window columns let a quality gate re-derive independently which months every rep must have a statement for. -#}
with lines as (
    select * from {{ ref('int_pay_statement_lines') }}
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
