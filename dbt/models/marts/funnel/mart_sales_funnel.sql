{#- Sales funnel per rep, month and stage (README, The marts). Formulas live in the intermediate models; this only
    assembles: stage conversion from int_rep_monthly_funnel, the rep's team for the month from int_rep_months, and
    the month's win rate and sales cycle from int_rep_monthly_outcomes (the same value on every stage row). -#}
with funnel as (
    select * from {{ ref('int_rep_monthly_funnel') }}
),

rep_months as (
    select employee_id, month, team_id from {{ ref('int_rep_months') }}
),

calendar as (
    select month, quarter from {{ ref('int_calendar_months') }}
),

outcomes as (
    select employee_id, month, win_rate, sales_cycle_days from {{ ref('int_rep_monthly_outcomes') }}
),

final as (
    select
        f.employee_id,
        f.month,
        c.quarter,
        r.team_id,
        f.stage,
        f.stage_order,
        f.entered,
        f.advanced,
        f.conversion_rate,
        o.win_rate,
        o.sales_cycle_days
    from funnel f
    left join calendar c on c.month = f.month
    left join rep_months r on r.employee_id = f.employee_id and r.month = f.month
    left join outcomes o on o.employee_id = f.employee_id and o.month = f.month
)

select * from final
