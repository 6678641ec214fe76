{#- Stage conversion per rep, month of entry and stage (docs/metrics.md): of the opportunities that entered the stage
    in the month, the share that later entered a later stage. Only stages that can advance (Prospecting ...
    Negotiation); Closed Won and Closed Lost have no "advance". Entries whose owner maps to no employee are not
    credited (they stay visible in int_opportunity_stage_entries). -#}
with stage_entries as (
    select * from {{ ref('int_opportunity_stage_entries') }}
    where owner_employee_id is not null
        and stage_order <= {{ funnel_stages() | length }}
),

aggregated as (
    select
        owner_employee_id as employee_id,
        entered_month as month,
        stage_name as stage,
        stage_order,
        cast(count(*) as integer) as entered,
        cast(sum(case when advanced then 1 else 0 end) as integer) as advanced
    from stage_entries
    group by owner_employee_id, entered_month, stage_name, stage_order
),

final as (
    select
        employee_id,
        month,
        stage,
        stage_order,
        entered,
        advanced,
        {{ safe_ratio('advanced', 'entered') }} as conversion_rate
    from aggregated
)

select * from final
