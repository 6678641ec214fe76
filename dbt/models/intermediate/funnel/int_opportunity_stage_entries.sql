{#- One row per opportunity and stage it entered (its first entry when the stage was entered again), credited to
    the opportunity's CRM owner. History rows of a deleted opportunity count for nothing (docs/metrics.md), so history
    is joined to the opportunities that still exist (once; the owner comes along); nothing entered after the as-of
    date counts.
    advanced (docs/metrics.md, stage conversion): the opportunity entered a stage of higher order at or after this
    first entry, up to the as-of date. Closed Lost has no order, so it is never a later stage; Closed Won is last.
    It is read from a window (the highest stage order entered at or after each entry) instead of a correlated
    EXISTS over the opportunity's other entries: the same answer, without a join of 2.4M entries to their
    opportunity's others (scale 10). -#}
with history as (
    select * from {{ ref('stg_crm__opportunity_history') }}
),

opportunities as (
    select * from {{ ref('int_opportunities_converted') }}
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

entries as (
    select
        h.history_id,
        h.opportunity_id,
        h.stage_name,
        -- Closed Won is the last stage; Closed Lost is no later stage at all, so it has no order
        case h.stage_name
            {%- for stage in funnel_stages() %}
            when '{{ stage }}' then {{ loop.index }}
            {%- endfor %}
            when 'Closed Won' then {{ funnel_stages() | length + 1 }}
        end as stage_order,
        h.entered_at,
        h.entered_date,
        o.owner_user_id,
        o.owner_employee_id
    from history h
    inner join opportunities o on o.opportunity_id = h.opportunity_id
    cross join as_of
    where h.entered_date <= as_of.as_of_date
),

ranked as (
    select
        entries.*,
        row_number() over (
            partition by opportunity_id, stage_name order by entered_at, history_id
        ) as entry_rank,
        count(*) over (partition by opportunity_id, stage_name) as times_entered,
        -- entries without a time are no later entry of any other (a comparison with null is not true)
        max(case when entered_at is not null then stage_order end) over (
            partition by opportunity_id order by entered_at range between current row and unbounded following
        ) as highest_stage_order_from_here
    from entries
),

first_entries as (
    select
        history_id, opportunity_id, owner_user_id, owner_employee_id, stage_name, stage_order, entered_at,
        entered_date, times_entered, highest_stage_order_from_here
    from ranked
    where entry_rank = 1
),

final as (
    select
        f.opportunity_id || '|' || f.stage_name as stage_entry_id,
        f.opportunity_id,
        f.owner_user_id,
        f.owner_employee_id,
        f.stage_name,
        f.stage_order,
        f.entered_at,
        f.entered_date,
        cast(date_trunc('month', f.entered_date) as date) as entered_month,
        cast(f.times_entered as integer) as times_entered,
        case when f.entered_at is null then false
            else coalesce(f.highest_stage_order_from_here > f.stage_order, false) end as advanced,
        f.history_id as first_history_id
    from first_entries f
)

select * from final
