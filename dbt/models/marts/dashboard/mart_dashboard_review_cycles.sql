{#- The review cycle a dashboard page of a quarter shows: the latest quarter with competency scores up to it. A
    rep's own latest (mart_competency_gaps); for the team and company pages the teams' latest
    (mart_team_competency_gaps, one cycle for all teams), employee_id null. One row per quarter the dashboard can show
    (the quarters of mart_company_monthly_kpis); a rep has rows from the first quarter with scores. -#}
with quarters as (
    select distinct quarter from {{ ref('mart_company_monthly_kpis') }}
),

rep_cycles as (
    select distinct employee_id, quarter from {{ ref('mart_competency_gaps') }}
),

team_cycles as (
    select distinct quarter from {{ ref('mart_team_competency_gaps') }}
),

final as (
    select q.quarter, cast(null as {{ type_text() }}) as employee_id, max(t.quarter) as review_cycle
    from quarters q
    left join team_cycles t on t.quarter <= q.quarter
    group by q.quarter
    union all
    select q.quarter, r.employee_id, max(r.quarter)
    from quarters q
    inner join rep_cycles r on r.quarter <= q.quarter
    group by q.quarter, r.employee_id
)

select * from final
