{#- Team figures are sums of numerators and denominators, never averages of rates (docs/metrics.md). Bookings go to
    the team the rep was in at close; the other parts to the rep's team at month end (int_rep_months). -#}
{%- set peer_metrics = ['bookings', 'attainment', 'win_rate', 'lead_conversion_rate', 'visits', 'collection_rate',
    'new_customers_weighted'] -%}
with team_bookings as (
    select team_id, month, sum(bookings) as bookings, sum(new_customer_bookings) as new_customer_bookings,
        sum(strategic_bookings) as strategic_bookings
    from {{ ref('int_rep_monthly_bookings') }}
    {# Deals closing after the as-of date are not booked (int_bookings_credited, known_by_as_of). #}
    where team_id is not null
    group by team_id, month
),

team_parts as (
    select
        team_id,
        month,
        count(*) as reps,
        sum(revenue_target) as revenue_target,
        sum(new_customers_weighted) as new_customers_weighted,
        sum(new_customers_target) as new_customers_target,
        sum(won_count) as won_count,
        sum(lost_count) as lost_count,
        sum(leads_created) as leads_created,
        sum(leads_converted) as leads_converted,
        sum(visits) as visits,
        sum(calls) as calls,
        sum(call_minutes) as call_minutes,
        sum(receivable_due) as receivable_due,
        sum(collected) as collected,
        sum(collected_on_time) as collected_on_time,
        sum(bookings) as reps_bookings
    from {{ ref('mart_rep_monthly_kpis') }}
    where team_id is not null
    group by team_id, month
),

{#- The peer comparison of the rep page: per rep metric, the mean and the best of the team's reps in the month
    (their rows of mart_rep_monthly_kpis, nulls left out), the mean added in leaderboard order (macro ordered_mean). -#}
team_peers as (
    select
        team_id,
        month
        {%- for metric in peer_metrics %},
        {{ ordered_mean(metric, 'bookings desc, employee_id') }} as {{ metric }}_rep_average,
        max({{ metric }}) as {{ metric }}_rep_best
        {%- endfor %}
    from {{ ref('mart_rep_monthly_kpis') }}
    where team_id is not null
    group by team_id, month
),

{#- The parts the dashboard's team page shows beyond the columns above, null without rep rows. -#}
team_sums as (
    select k.team_id, k.month, {{ scope_sums() }}
    from {{ ref('mart_rep_monthly_kpis') }} k
    where k.team_id is not null
    group by k.team_id, k.month
),

teams as (
    select team_id, max(team_name) as team_name, max(region) as region
    from {{ ref('int_employee_versions') }}
    where is_current
    group by team_id
),

keys as (
    select team_id, month from team_parts
    union
    select team_id, month from team_bookings
),

team_months as (
    select
        k.team_id,
        k.month,
        t.team_name,
        t.region,
        cast(coalesce(p.reps, 0) as integer) as reps,
        cast(coalesce(b.bookings, 0) as decimal(38, 8)) as bookings,
        cast(coalesce(b.new_customer_bookings, 0) as decimal(38, 8)) as new_customer_bookings,
        cast(p.revenue_target as decimal(18, 2)) as revenue_target,
        {{ attainment('coalesce(b.bookings, 0)', 'p.revenue_target') }} as attainment,
        {{ safe_ratio('coalesce(b.strategic_bookings, 0)', 'b.bookings') }} as strategic_share,
        cast(coalesce(p.new_customers_weighted, 0) as decimal(18, 4)) as new_customers_weighted,
        cast(p.new_customers_target as decimal(18, 2)) as new_customers_target,
        {{ safe_ratio('p.won_count', 'p.won_count + p.lost_count') }} as win_rate,
        {{ safe_ratio('p.leads_converted', 'p.leads_created') }} as lead_conversion_rate,
        cast(coalesce(p.visits, 0) as integer) as visits,
        cast(coalesce(p.calls, 0) as integer) as calls,
        cast(coalesce(p.call_minutes, 0) as decimal(18, 2)) as call_minutes,
        cast(coalesce(p.receivable_due, 0) as decimal(38, 8)) as receivable_due,
        cast(coalesce(p.collected, 0) as decimal(38, 8)) as collected,
        {{ safe_ratio('p.collected', 'p.receivable_due') }} as collection_rate,
        {{ safe_ratio('p.collected_on_time', 'p.receivable_due') }} as on_time_rate,
        cast(s.won_count as integer) as won_count,
        cast(s.lost_count as integer) as lost_count,
        cast(s.leads_created as integer) as leads_created,
        cast(s.leads_converted as integer) as leads_converted,
        s.lead_conversion_is_final,
        cast(s.won_cycle_days_sum as bigint) as won_cycle_days_sum,
        {{ safe_ratio('s.won_cycle_days_sum', 's.won_count') }} as sales_cycle_days,
        cast(s.meetings as integer) as meetings,
        cast(s.demos as integer) as demos,
        cast(s.proposals as integer) as proposals,
        cast(s.emails as integer) as emails,
        cast(s.developed_accounts as integer) as developed_accounts,
        cast(s.collection_target_numerator as decimal(38, 8)) as collection_target_numerator,
        cast(s.collection_target_denominator as decimal(38, 8)) as collection_target_denominator,
        {{ safe_ratio('s.collection_target_numerator', 's.collection_target_denominator') }} as collection_target,
        cast(p.reps_bookings as decimal(38, 8)) as reps_bookings
        {%- for metric in peer_metrics %},
        pe.{{ metric }}_rep_average,
        pe.{{ metric }}_rep_best
        {%- endfor %}
    from keys k
    left join team_parts p on p.team_id = k.team_id and p.month = k.month
    left join team_sums s on s.team_id = k.team_id and s.month = k.month
    left join team_bookings b on b.team_id = k.team_id and b.month = k.month
    left join team_peers pe on pe.team_id = k.team_id and pe.month = k.month
    left join teams t on t.team_id = k.team_id
),

{#- The dashboard's headline windows of the team (quarter to date, previous month, last year, growth). -#}
final as (
    {{ headline_windows('team_months', keys=['team_id']) }}
)

select * from final
