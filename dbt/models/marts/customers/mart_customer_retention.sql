{#- Retention per rep and quarter (docs/metrics.md, Retention). Formulas live in int_account_quarter_retention and
    int_rep_quarterly_retention; this only assembles. -#}
with retention as (
    select * from {{ ref('int_rep_quarterly_retention') }}
),

final as (
    select
        employee_id,
        quarter,
        quarter_start,
        quarter_end,
        start_customers,
        churned,
        pending,
        retention_rate,
        renewal_base,
        renewed,
        renewal_rate,
        is_final
    from retention
)

select * from final
