{#- Closed opportunities per CRM owner and close month (docs/metrics.md, Funnel and activity; Sales results):
    win_rate = won / (won + lost), win_rate_amount = won amount / (won + lost amount) in CNY, both null on a
    zero denominator; sales_cycle_days = mean days from CreatedDate (business date) to CloseDate of the deals won
    in the month. Numerators and denominators are kept so teams roll up from them, never from rates.
    Only months with a closed deal have a row: a reader's left join gives null rates and should coalesce counts. -#}
with opportunities as (
    select * from {{ ref('int_opportunities_converted') }}
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

closed as (
    select
        o.owner_employee_id as employee_id,
        o.close_month as month,
        coalesce(o.is_won, false) as is_won,
        o.amount_reporting,
        case when o.is_won then {{ dbt.datediff('o.created_date', 'o.close_date', 'day') }} end as cycle_days
    from opportunities o
    cross join as_of
    where o.is_closed
        and o.owner_employee_id is not null
        and o.close_date <= as_of.as_of_date
),

aggregated as (
    select
        employee_id,
        month,
        cast(sum(case when is_won then 1 else 0 end) as integer) as won_count,
        cast(sum(case when is_won then 0 else 1 end) as integer) as lost_count,
        cast(coalesce(sum(case when is_won then amount_reporting end), 0) as decimal(38, 8)) as won_amount,
        cast(coalesce(sum(case when is_won then 0 else amount_reporting end), 0) as decimal(38, 8)) as lost_amount,
        cast(coalesce(sum(cycle_days), 0) as bigint) as won_cycle_days_sum
    from closed
    group by employee_id, month
),

final as (
    select
        employee_id,
        month,
        won_count,
        lost_count,
        won_amount,
        lost_amount,
        {{ safe_ratio('won_count', 'won_count + lost_count') }} as win_rate,
        {{ safe_ratio('won_amount', 'won_amount + lost_amount') }} as win_rate_amount,
        won_cycle_days_sum,
        {{ safe_ratio('won_cycle_days_sum', 'won_count') }} as sales_cycle_days
    from aggregated
)

select * from final
