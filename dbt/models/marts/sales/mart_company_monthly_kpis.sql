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
    select
        k.month,
        count(*) as reps,
        sum(k.bookings) as bookings,
        sum(k.revenue_target) as revenue_target,
        sum(k.visits) as visits,
        sum(k.calls) as calls,
        sum(k.call_minutes) as call_minutes,
        sum(k.new_customers_weighted) as new_customers_weighted,
        sum(k.new_customers_target) as new_customers_target,
        {{ scope_sums() }}
    from {{ ref('mart_rep_monthly_kpis') }} k
    group by k.month
),

monthly as (
    select
        m.month,
        coalesce(r.reps, 0) as reps,
        {%- for column in ['bookings', 'revenue_target', 'visits', 'calls', 'call_minutes', 'new_customers_weighted',
            'new_customers_target', 'won_count', 'lost_count', 'leads_created', 'leads_converted',
            'lead_conversion_is_final', 'won_cycle_days_sum', 'meetings', 'demos', 'proposals', 'emails',
            'developed_accounts', 'receivable_due', 'collected', 'collection_target_numerator',
            'collection_target_denominator'] %}
        r.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from months m
    left join rep_months r on r.month = m.month
),

{#- The company's leads are every lead of the month, whoever owns it (a lead owned by a queue counts for the company,
    issue 22): the lead-source segments of mart_segment_conversion. A month without lead-source rows keeps the
    reps' own leads. Final unless a source's cohort is not (an unknown finality does not make it not final). -#}
all_leads as (
    select
        month,
        count(*) as sources,
        sum(coalesce(leads_created, 0)) as leads_created,
        sum(coalesce(leads_converted, 0)) as leads_converted,
        bool_and(coalesce(lead_conversion_is_final, true)) as lead_conversion_is_final
    from {{ ref('mart_segment_conversion') }}
    where segment_type = 'lead_source'
    group by month
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
        on t.tier = 'below_threshold' and {{ policy_in_force('t', 'cast(' ~ dbt.last_day('m.month', 'month') ~ ' as date)') }}
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
        cast(b.bonus_threshold as decimal(9, 4)) as bonus_threshold,
        cast(w.won_count as integer) as won_count,
        cast(w.lost_count as integer) as lost_count,
        {{ safe_ratio('w.won_count', 'w.won_count + w.lost_count') }} as win_rate,
        cast(case when l.sources > 0 then l.leads_created else w.leads_created end as integer) as leads_created,
        cast(case when l.sources > 0 then l.leads_converted else w.leads_converted end as integer) as leads_converted,
        case when l.sources > 0 then {{ safe_ratio('l.leads_converted', 'l.leads_created') }}
            else {{ safe_ratio('w.leads_converted', 'w.leads_created') }} end as lead_conversion_rate,
        case when l.sources > 0 then l.lead_conversion_is_final else w.lead_conversion_is_final end
            as lead_conversion_is_final,
        cast(w.won_cycle_days_sum as bigint) as won_cycle_days_sum,
        {{ safe_ratio('w.won_cycle_days_sum', 'w.won_count') }} as sales_cycle_days,
        cast(w.visits as integer) as visits,
        cast(w.calls as integer) as calls,
        cast(w.meetings as integer) as meetings,
        cast(w.demos as integer) as demos,
        cast(w.proposals as integer) as proposals,
        cast(w.emails as integer) as emails,
        cast(w.call_minutes as decimal(38, 2)) as call_minutes,
        cast(w.new_customers_weighted as decimal(38, 4)) as new_customers_weighted,
        cast(w.new_customers_target as decimal(38, 2)) as new_customers_target,
        cast(w.developed_accounts as integer) as developed_accounts,
        cast(w.receivable_due as decimal(38, 8)) as receivable_due,
        cast(w.collected as decimal(38, 8)) as collected,
        {{ safe_ratio('w.collected', 'w.receivable_due') }} as collection_rate,
        cast(w.collection_target_numerator as decimal(38, 8)) as collection_target_numerator,
        cast(w.collection_target_denominator as decimal(38, 8)) as collection_target_denominator,
        {{ safe_ratio('w.collection_target_numerator', 'w.collection_target_denominator') }} as collection_target
    from windows w
    left join bonus_thresholds b on b.month = w.month
    left join all_leads l on l.month = w.month
)

select * from final
