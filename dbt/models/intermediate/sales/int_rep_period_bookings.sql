{#- Bookings per rep and period (month and quarter rows), with the same period one year earlier and the
    previous period, so growth is computed once for both grains. A period with no bookings is 0 here; a
    growth base of 0 makes growth null (no base). -#}
with monthly as (
    select employee_id, month, sum(bookings) as bookings
    from {{ ref('int_rep_monthly_bookings') }}
    group by employee_id, month
),

periods as (
    select employee_id, 'month' as grain, month as period_start, bookings from monthly
    union all
    select employee_id, 'quarter' as grain, cast(date_trunc('quarter', month) as date) as period_start, sum(bookings)
    from monthly
    group by employee_id, cast(date_trunc('quarter', month) as date)
),

spine as (
    select distinct employee_id, 'month' as grain, month as period_start from {{ ref('int_rep_months') }}
    union
    select distinct employee_id, 'quarter' as grain, cast(date_trunc('quarter', month) as date) from {{ ref('int_rep_months') }}
)

select
    s.employee_id,
    s.grain,
    s.period_start,
    coalesce(cur.bookings, 0) as bookings,
    coalesce(prev.bookings, 0) as bookings_previous_period,
    coalesce(ly.bookings, 0) as bookings_previous_year,
    {{ growth('coalesce(cur.bookings, 0)', 'coalesce(prev.bookings, 0)') }} as growth_previous_period,
    {{ growth('coalesce(cur.bookings, 0)', 'coalesce(ly.bookings, 0)') }} as growth_yoy
from spine s
left join periods cur
    on cur.employee_id = s.employee_id and cur.grain = s.grain and cur.period_start = s.period_start
left join periods prev
    on prev.employee_id = s.employee_id and prev.grain = s.grain
    and prev.period_start = case when s.grain = 'month' then cast({{ dbt.dateadd('month', '-1', 's.period_start') }} as date)
                                 else cast({{ dbt.dateadd('month', '-3', 's.period_start') }} as date) end
left join periods ly
    on ly.employee_id = s.employee_id and ly.grain = s.grain
    and ly.period_start = cast({{ dbt.dateadd('month', '-12', 's.period_start') }} as date)
