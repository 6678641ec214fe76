{#- Every monthly metric of docs/metrics.md per rep. Numerators come from intermediate models; rates are the
    macros of formulas.sql applied once here (team and company rollups re-apply them to summed parts). -#}
with rep_months as (
    select * from {{ ref('int_rep_months') }}
),

bookings as (
    select employee_id, month, sum(bookings) as bookings, sum(new_customer_bookings) as new_customer_bookings,
        sum(strategic_bookings) as strategic_bookings
    from {{ ref('int_rep_monthly_bookings') }}
    group by employee_id, month
),

growth as (
    select employee_id, period_start as month, growth_previous_period as growth_mom, growth_yoy
    from {{ ref('int_rep_period_bookings') }}
    where grain = 'month'
),

targets as (
    select
        employee_id,
        period_month as month,
        max(case when metric = 'revenue' then target_value end) as revenue_target,
        max(case when metric = 'new_customers' then target_value end) as new_customers_target
    from {{ ref('stg_planning__target') }}
    group by employee_id, period_month
),

new_customers as (
    select * from {{ ref('int_rep_monthly_new_customers') }}
),

outcomes as (
    select * from {{ ref('int_rep_monthly_outcomes') }}
),

leads as (
    select * from {{ ref('int_rep_monthly_leads') }}
),

activities as (
    select * from {{ ref('int_rep_monthly_activities') }}
),

collection as (
    select * from {{ ref('int_rep_monthly_collection') }}
),

final as (
    select
        r.employee_id,
        r.month,
        r.quarter,
        r.team_id,
        r.region,
        cast(coalesce(b.bookings, 0) as decimal(38, 8)) as bookings,
        cast(coalesce(b.new_customer_bookings, 0) as decimal(38, 8)) as new_customer_bookings,
        cast(coalesce(b.bookings, 0) - coalesce(b.new_customer_bookings, 0) as decimal(38, 8))
            as existing_customer_bookings,
        cast(coalesce(b.strategic_bookings, 0) as decimal(38, 8)) as strategic_bookings,
        cast(t.revenue_target as decimal(18, 2)) as revenue_target,
        {{ attainment('coalesce(b.bookings, 0)', 't.revenue_target') }} as attainment,
        g.growth_mom,
        g.growth_yoy,
        {{ safe_ratio('coalesce(b.strategic_bookings, 0)', 'b.bookings') }} as strategic_share,
        cast(coalesce(nc.developed_accounts, 0) as integer) as developed_accounts,
        cast(coalesce(nc.new_customers_weighted, 0) as decimal(18, 4)) as new_customers_weighted,
        cast(t.new_customers_target as decimal(18, 2)) as new_customers_target,
        cast(coalesce(o.won_count, 0) as integer) as won_count,
        cast(coalesce(o.lost_count, 0) as integer) as lost_count,
        o.win_rate,
        o.win_rate_amount,
        o.sales_cycle_days,
        cast(coalesce(l.leads_created, 0) as integer) as leads_created,
        cast(coalesce(l.leads_converted, 0) as integer) as leads_converted,
        l.lead_conversion_rate,
        cast(coalesce(a.visits, 0) as integer) as visits,
        cast(coalesce(a.calls, 0) as integer) as calls,
        cast(coalesce(a.meetings, 0) as integer) as meetings,
        cast(coalesce(a.demos, 0) as integer) as demos,
        cast(coalesce(a.proposals, 0) as integer) as proposals,
        cast(coalesce(a.emails, 0) as integer) as emails,
        cast(coalesce(a.call_minutes, 0) as decimal(18, 2)) as call_minutes,
        cast(coalesce(c.receivable_due, 0) as decimal(38, 8)) as receivable_due,
        cast(coalesce(c.collected, 0) as decimal(38, 8)) as collected,
        cast(coalesce(c.collected_on_time, 0) as decimal(38, 8)) as collected_on_time,
        c.collection_rate,
        c.on_time_rate,
        c.collection_target
    from rep_months r
    left join bookings b on b.employee_id = r.employee_id and b.month = r.month
    left join growth g on g.employee_id = r.employee_id and g.month = r.month
    left join targets t on t.employee_id = r.employee_id and t.month = r.month
    left join new_customers nc on nc.employee_id = r.employee_id and nc.month = r.month
    left join outcomes o on o.employee_id = r.employee_id and o.month = r.month
    left join leads l on l.employee_id = r.employee_id and l.month = r.month
    left join activities a on a.employee_id = r.employee_id and a.month = r.month
    left join collection c on c.employee_id = r.employee_id and c.month = r.month
)

select * from final
