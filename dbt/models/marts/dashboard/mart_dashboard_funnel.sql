{#- The funnel panel of every dashboard page: per scope (company, team by the rep's team in the month, rep), month
    and stage, the opportunities that entered the stage and advanced, summed over mart_sales_funnel's rep rows, and
    the stage conversion recomputed from the sums (never averaged). -#}
with funnel as (
    select * from {{ ref('mart_sales_funnel') }}
),

scoped as (
    select 'company' as scope, cast(null as {{ type_text() }}) as team_id, cast(null as {{ type_text() }}) as employee_id,
        month, stage, stage_order, sum(entered) as entered, sum(advanced) as advanced
    from funnel
    group by month, stage, stage_order
    union all
    select 'team', team_id, null, month, stage, stage_order, sum(entered), sum(advanced)
    from funnel
    where team_id is not null
    group by team_id, month, stage, stage_order
    union all
    select 'rep', null, employee_id, month, stage, stage_order, sum(entered), sum(advanced)
    from funnel
    group by employee_id, month, stage, stage_order
),

final as (
    select
        scope,
        team_id,
        employee_id,
        month,
        stage,
        cast(stage_order as integer) as stage_order,
        cast(entered as bigint) as entered,
        cast(advanced as bigint) as advanced,
        {{ safe_ratio('advanced', 'entered') }} as conversion_rate
    from scoped
)

select * from final
