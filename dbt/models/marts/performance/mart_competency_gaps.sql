{#- Per rep and review cycle, every competency with its score, its gap to the rep's own mean and its weakness
    rank; is_weakest marks the rep's two lowest (the training-plan input). The team is the rep's team at quarter
    end (mart_rep_quarterly_kpis). -#}
{%- set weakest_n = 2 -%}
with scores as (
    select * from {{ ref('int_rep_competency_scores') }}
),

rep_quarters as (
    select employee_id, quarter, team_id from {{ ref('mart_rep_quarterly_kpis') }}
),

final as (
    select
        s.employee_id,
        s.quarter,
        rq.team_id,
        s.competency,
        cast(s.ratings as integer) as ratings,
        cast(s.competency_score as decimal(18, 4)) as competency_score,
        cast(s.rep_mean_score as decimal(18, 4)) as rep_mean_score,
        cast(s.competency_score - s.rep_mean_score as decimal(18, 4)) as gap_to_rep_mean,
        cast(s.weakness_rank as integer) as weakness_rank,
        s.weakness_rank <= {{ weakest_n }} as is_weakest
    from scores s
    left join rep_quarters rq on rq.employee_id = s.employee_id and rq.quarter = s.quarter
)

select * from final
