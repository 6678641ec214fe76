{#- Collection per rep and month (README, The marts): every rep-month of the spine, with the receivable due in the
    month and what was collected on it by the as-of date. Formulas live in int_rep_monthly_collection. -#}
with rep_months as (
    select * from {{ ref('int_rep_months') }}
),

collection as (
    select * from {{ ref('int_rep_monthly_collection') }}
),

final as (
    select
        cast(r.employee_id as {{ type_text() }}) as employee_id,
        cast(r.month as date) as month,
        cast(r.quarter as {{ type_text() }}) as quarter,
        cast(r.team_id as {{ type_text() }}) as team_id,
        cast(coalesce(c.invoices_due, 0) as integer) as invoices_due,
        cast(coalesce(c.receivable_due, 0) as decimal(38, 8)) as receivable_due,
        cast(coalesce(c.collected, 0) as decimal(38, 8)) as collected,
        cast(coalesce(c.collected_on_time, 0) as decimal(38, 8)) as collected_on_time,
        cast(coalesce(c.overpaid_amount, 0) as decimal(38, 8)) as overpaid_amount,
        cast(coalesce(c.collection_target_numerator, 0) as decimal(38, 8)) as collection_target_numerator,
        cast(coalesce(c.collection_target_denominator, 0) as decimal(38, 8)) as collection_target_denominator,
        cast(c.collection_rate as {{ type_double() }}) as collection_rate,
        cast(c.on_time_rate as {{ type_double() }}) as on_time_rate,
        cast(c.collection_target as {{ type_double() }}) as collection_target
    from rep_months r
    left join collection c on c.employee_id = r.employee_id and c.month = r.month
)

select * from final
