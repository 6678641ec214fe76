{#- Shared weaknesses per team and review cycle: for each competency, how many of the team's reviewed reps have
    it among their two weakest (mart_competency_gaps.is_weakest), the team's mean score and its rank.
    is_shared_weakness = at least half of the reviewed reps share it (weak_share >= 0.5). -#}
with gaps as (
    select * from {{ ref('mart_competency_gaps') }}
    where team_id is not null
),

aggregated as (
    select
        team_id,
        quarter,
        competency,
        count(*) as reps_reviewed,
        sum(case when is_weakest then 1 else 0 end) as reps_weak,
        avg(competency_score) as team_score
    from gaps
    group by team_id, quarter, competency
),

final as (
    select
        team_id,
        quarter,
        competency,
        cast(reps_reviewed as integer) as reps_reviewed,
        cast(reps_weak as integer) as reps_weak,
        {{ safe_ratio('reps_weak', 'reps_reviewed') }} as weak_share,
        cast(team_score as decimal(18, 4)) as team_score,
        cast(row_number() over (partition by team_id, quarter order by team_score, competency) as integer)
            as team_rank,
        coalesce({{ safe_ratio('reps_weak', 'reps_reviewed') }} >= 0.5, false) as is_shared_weakness
    from aggregated
)

select * from final
