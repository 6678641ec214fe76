{#- Every monthly metric per rep, published as int_rep_monthly_kpis computes it, and whether the month's lead cohort
    has had time to convert (lead_cohort_is_final): a young cohort's rate is not final. -#}
select
    k.*,
    {{ lead_cohort_is_final('k.month') }} as lead_conversion_is_final
from {{ ref('int_rep_monthly_kpis') }} k
