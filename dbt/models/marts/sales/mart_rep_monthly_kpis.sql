{#- Every monthly metric per rep, published as int_rep_monthly_kpis computes it, whether the month's lead cohort
    has had time to convert (lead_cohort_is_final): a young cohort's rate is not final, and the dashboard's
    headline windows. -#}
with rep_months as (
    select
        k.*,
        {{ lead_cohort_is_final('k.month') }} as lead_conversion_is_final
    from {{ ref('int_rep_monthly_kpis') }} k
),

{#- The dashboard's headline windows of the rep (quarter to date, previous month, last year); growth_mom and
    growth_yoy come from int_rep_monthly_kpis, the same macro `growth`. -#}
final as (
    {{ headline_windows('rep_months', keys=['employee_id'], with_growth=false) }}
)

select * from final
