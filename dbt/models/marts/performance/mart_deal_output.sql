{#- Published face of int_monthly_deal_output: average deal size and per-capita output by company and team. -#}
with output as (
    select * from {{ ref('int_monthly_deal_output') }}
),

final as (
    select
        scope,
        team_id,
        month,
        quarter,
        cast(reps as integer) as reps,
        cast(bookings as decimal(38, 8)) as bookings,
        cast(won_deals as integer) as won_deals,
        cast(average_deal_size as decimal(38, 8)) as average_deal_size,
        cast(per_capita_bookings as decimal(38, 8)) as per_capita_bookings
    from output
)

select * from final
