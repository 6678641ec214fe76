{#- Every monthly metric per rep, published as int_rep_monthly_kpis computes it. -#}
select * from {{ ref('int_rep_monthly_kpis') }}
