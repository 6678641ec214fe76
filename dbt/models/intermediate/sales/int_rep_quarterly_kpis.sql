{#- Quarterly KPIs per rep: the actuals the quarterly evaluation scores. Quarter sums of the monthly parts;
    a quarter's target is the sum of the months that have one (null when none has). A view: the table is
    mart_rep_quarterly_kpis, which publishes it, so the rows are materialised once (issue 24). -#}
{{ config(materialized='view') }}
with monthly as (
    select * from {{ ref('int_rep_monthly_kpis') }}
),

rep_months as (
    select * from {{ ref('int_rep_months') }}
),

quarter_team as (
    select employee_id, quarter, team_id, region, job_level
    from (
        select employee_id, quarter, team_id, region, job_level,
            row_number() over (partition by employee_id, quarter order by month desc) as rn
        from rep_months
    ) ranked
    where rn = 1
),

sums as (
    select
        employee_id,
        quarter,
        min(month) as first_month,
        count(*) as months_employed,
        sum(bookings) as bookings,
        sum(new_customer_bookings) as new_customer_bookings,
        sum(revenue_target) as revenue_target,
        sum(new_customers_weighted) as new_customers_weighted,
        sum(new_customers_target) as new_customers_target,
        sum(won_count) as won_count,
        sum(lost_count) as lost_count
    from monthly
    group by employee_id, quarter
),

growth as (
    select employee_id, period_start as quarter_start, growth_previous_period as growth_qoq, growth_yoy,
        bookings_previous_year
    from {{ ref('int_rep_period_bookings') }}
    where grain = 'quarter'
),

calendar as (
    select quarter, min(month) as quarter_start, max(month_end) as quarter_end
    from {{ ref('int_calendar_months') }}
    group by quarter
),

final as (
    select
        s.employee_id,
        s.quarter,
        c.quarter_start,
        c.quarter_end,
        q.team_id,
        q.region,
        q.job_level,
        cast(s.months_employed as integer) as months_employed,
        cast(s.bookings as decimal(38, 8)) as bookings,
        cast(s.new_customer_bookings as decimal(38, 8)) as new_customer_bookings,
        cast(s.revenue_target as decimal(18, 2)) as revenue_target,
        {{ attainment('s.bookings', 's.revenue_target') }} as attainment,
        cast(g.bookings_previous_year as decimal(38, 8)) as bookings_previous_year,
        g.growth_yoy,
        g.growth_qoq,
        cast(s.new_customers_weighted as decimal(18, 4)) as new_customers_weighted,
        cast(s.new_customers_target as decimal(18, 2)) as new_customers_target,
        {{ safe_ratio('s.won_count', 's.won_count + s.lost_count') }} as win_rate,
        cast(coalesce(col.receivable_due, 0) as decimal(38, 8)) as receivable_due,
        cast(coalesce(col.collected, 0) as decimal(38, 8)) as collected,
        col.collection_rate,
        col.on_time_rate,
        col.collection_target,
        col.dso,
        cast(coalesce(ret.start_customers, 0) as integer) as start_customers,
        cast(coalesce(ret.churned, 0) as integer) as churned,
        cast(coalesce(ret.pending, 0) as integer) as pending,
        ret.retention_rate,
        ret.renewal_rate,
        coalesce(ret.is_final, true) as retention_is_final,
        csat.csat_score,
        cast(coalesce(csat.csat_responses, 0) as integer) as csat_responses,
        rev.review_360_score,
        rev.collaboration_score,
        {#- Missing is not zero: 0 hours when the company delivers training records (a rep without one learnt
            nothing), null (the learning component left out) when no training extract holds any row. #}
        cast(case when lrn.learning_hours is not null then lrn.learning_hours
            when exists (select 1 from {{ ref('stg_hr__training') }}) then 0 end as decimal(18, 2)) as learning_hours,
        cast(coalesce(lrn.certifications, 0) as integer) as certifications
    from sums s
    inner join calendar c on c.quarter = s.quarter
    left join quarter_team q on q.employee_id = s.employee_id and q.quarter = s.quarter
    left join growth g on g.employee_id = s.employee_id and g.quarter_start = c.quarter_start
    left join {{ ref('int_rep_quarterly_collection') }} col on col.employee_id = s.employee_id and col.quarter = s.quarter
    left join {{ ref('int_rep_quarterly_retention') }} ret on ret.employee_id = s.employee_id and ret.quarter = s.quarter
    left join {{ ref('int_rep_quarterly_csat') }} csat on csat.employee_id = s.employee_id and csat.quarter = s.quarter
    left join {{ ref('int_rep_quarterly_reviews') }} rev on rev.employee_id = s.employee_id and rev.quarter = s.quarter
    left join {{ ref('int_rep_quarterly_learning') }} lrn on lrn.employee_id = s.employee_id and lrn.quarter = s.quarter
)

select * from final
