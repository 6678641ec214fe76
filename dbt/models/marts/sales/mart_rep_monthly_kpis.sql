{#- Every monthly metric per rep, published as int_rep_monthly_kpis computes it, whether the month's lead cohort
    has had time to convert (lead_cohort_is_final): a young cohort's rate is not final, and the dashboard's
    headline windows. -#}
with rep_months as (
    select
        k.*,
        {{ lead_cohort_is_final('k.month') }} as lead_conversion_is_final,
        {#- The numerators and denominators of the sales cycle and the collection target, so team and company
            roll them up from sums (scope_sums), never from the rates. -#}
        cast(coalesce(o.won_cycle_days_sum, 0) as bigint) as won_cycle_days_sum,
        cast(coalesce(c.collection_target_numerator, 0) as decimal(38, 8)) as collection_target_numerator,
        cast(coalesce(c.collection_target_denominator, 0) as decimal(38, 8)) as collection_target_denominator,
        {{ safe_ratio('k.bookings', 'k.won_count') }} as average_deal_size
    from {{ ref('int_rep_monthly_kpis') }} k
    left join {{ ref('int_rep_monthly_outcomes') }} o on o.employee_id = k.employee_id and o.month = k.month
    left join {{ ref('int_rep_monthly_collection') }} c on c.employee_id = k.employee_id and c.month = k.month
),

{#- The dashboard's headline windows of the rep (quarter to date, previous month, last year); growth_mom and
    growth_yoy come from int_rep_monthly_kpis, the same macro `growth`. -#}
final as (
    {{ headline_windows('rep_months', keys=['employee_id'], with_growth=false) }}
)

select * from final
