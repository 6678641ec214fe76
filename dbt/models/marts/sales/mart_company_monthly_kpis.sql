{#- The company's figures per month, read by the dashboard's company page (docs/architecture.md, The dashboard): sums
    of the rep mart's numerators and denominators, rates recomputed from the sums, never averaged (bookings: every
    rep's credited bookings). One row for every month from the first to the last month with data (a rep's KPIs, a
    deal or a lead: the months the dashboard can show); a month without rep rows has null sums, not zero. -#}
with data_months as (
    select min(month) as first_month, max(month) as last_month from (
        select month from {{ ref('mart_rep_monthly_kpis') }}
        union all
        select month from {{ ref('mart_deal_output') }}
        union all
        select month from {{ ref('mart_segment_conversion') }}
    ) m
),

spine as (
    {{ dbt.date_spine('month', "cast('1900-01-01' as date)", "cast('2200-01-01' as date)") }}
),

months as (
    select cast(s.date_month as date) as month
    from spine s
    cross join data_months d
    where cast(s.date_month as date) between d.first_month and d.last_month
),

rep_months as (
    select month, count(*) as reps, sum(bookings) as bookings, sum(revenue_target) as revenue_target
    from {{ ref('mart_rep_monthly_kpis') }}
    group by month
),

monthly as (
    select m.month, coalesce(r.reps, 0) as reps, r.bookings, r.revenue_target
    from months m
    left join rep_months r on r.month = m.month
),

windows as (
    {{ headline_windows('monthly') }}
),

{#- The attainment below which no performance bonus is paid: the upper bound of the zero-payout tier of the payout
    policy in force at the month's end (policy_payout_tiers, tier below_threshold); the dashboard marks it. -#}
bonus_thresholds as (
    select m.month, max(t.upper_bound) as bonus_threshold
    from months m
    inner join {{ ref('policy_payout_tiers') }} t
        on t.tier = 'below_threshold' and {{ policy_in_force('t', last_day_of_month('m.month')) }}
    group by m.month
),

final as (
    select
        w.month,
        {{ quarter_label('w.month') }} as quarter,
        cast(w.reps as integer) as reps,
        cast(w.bookings as decimal(38, 8)) as bookings,
        cast(w.revenue_target as decimal(38, 2)) as revenue_target,
        {{ safe_ratio('w.bookings', 'w.revenue_target') }} as attainment,
        w.bookings_qtd,
        w.revenue_target_qtd,
        w.attainment_qtd,
        w.bookings_previous_month,
        w.bookings_same_month_last_year,
        w.growth_mom,
        w.growth_yoy,
        cast(b.bonus_threshold as decimal(9, 4)) as bonus_threshold
    from windows w
    left join bonus_thresholds b on b.month = w.month
)

select * from final
