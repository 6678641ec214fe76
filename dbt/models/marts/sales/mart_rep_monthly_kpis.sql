{#- Monthly KPIs per rep (metrics.md). Formulas live in intermediate models and macros; this only assembles. -#}
with rep_months as (
    select * from {{ ref('int_rep_months') }}
),

bookings as (
    select
        employee_id,
        close_month as month,
        sum(amount_cny) as bookings,
        sum(case when is_new_customer then amount_cny else 0 end) as new_customer_bookings
    from {{ ref('int_bookings_credited') }}
    where employee_id is not null
    group by employee_id, close_month
),

targets as (
    select employee_id, period_month as month, target_value as revenue_target
    from {{ ref('stg_planning__target') }}
    where metric = 'revenue'
),

final as (
    select
        r.employee_id,
        r.month,
        r.quarter,
        r.team_id,
        r.region,
        cast(coalesce(b.bookings, 0) as decimal(38, 8)) as bookings,
        cast(coalesce(b.new_customer_bookings, 0) as decimal(38, 8)) as new_customer_bookings,
        cast(coalesce(b.bookings, 0) - coalesce(b.new_customer_bookings, 0) as decimal(38, 8))
            as existing_customer_bookings,
        cast(t.revenue_target as decimal(18, 2)) as revenue_target,
        {{ safe_ratio('coalesce(b.bookings, 0)', 't.revenue_target') }} as attainment
    from rep_months r
    left join bookings b on b.employee_id = r.employee_id and b.month = r.month
    left join targets t on t.employee_id = r.employee_id and t.month = r.month
)

select * from final
