{#- Published face of int_quarterly_repurchase (the definition is there and in the model YAML). -#}
with repurchase as (
    select * from {{ ref('int_quarterly_repurchase') }}
),

final as (
    select
        quarter,
        quarter_start,
        quarter_end,
        cast(prior_customers as integer) as prior_customers,
        cast(repurchasing_customers as integer) as repurchasing_customers,
        repurchase_rate,
        is_final
    from repurchase
)

select * from final
