{#- The quarterly actuals the evaluation scores, published as int_rep_quarterly_kpis computes them. -#}
select * from {{ ref('int_rep_quarterly_kpis') }}
