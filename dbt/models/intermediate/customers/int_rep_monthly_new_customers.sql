{#- Interface for the monthly KPI marts: developed accounts and new_customers_weighted (docs/metrics.md, Customer
    development) per crediting rep and developed month. Only months with a developed account have a row. -#}
with developed as (
    select * from {{ ref('int_accounts_developed') }}
),

final as (
    select
        developed_by_employee_id as employee_id,
        developed_month as month,
        cast(count(*) as integer) as developed_accounts,
        cast(sum(tier_weight) as decimal(18, 4)) as new_customers_weighted
    from developed
    where developed_by_employee_id is not null
    group by developed_by_employee_id, developed_month
)

select * from final
