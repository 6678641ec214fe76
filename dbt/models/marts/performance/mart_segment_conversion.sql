{#- Published face of int_segment_monthly_conversion (the formulas live there). -#}
with segments as (
    select * from {{ ref('int_segment_monthly_conversion') }}
),

final as (
    select
        segment_type,
        month,
        quarter,
        segment,
        cast(leads_created as integer) as leads_created,
        cast(leads_converted as integer) as leads_converted,
        lead_conversion_rate,
        case when segment_type = 'lead_source' then {{ lead_cohort_is_final('month') }} end
            as lead_conversion_is_final,
        cast(won_count as integer) as won_count,
        cast(lost_count as integer) as lost_count,
        win_rate,
        cast(won_amount as decimal(38, 8)) as won_amount,
        cast(average_deal_size as decimal(38, 8)) as average_deal_size,
        is_weakest_lead_conversion,
        is_weakest_win_rate
    from segments
)

select * from final
