{#- Company retention over the trailing 4 quarters, pooled from numerators and denominators (Σ(start − churned) /
    Σ start over every start customer, whoever owns it), and the expected customer lifetime of docs/metrics.md
    (Customer lifetime value). Two readings of the spec were needed (see docs/decisions.md):
    - the 4 quarters are the latest FINAL ones (ended by the as-of date, no start customer pending): churn in
      the newest quarters is not provable for 6 months, so counting them would overstate retention;
    - the pooled rate is a quarterly rate; a lifetime in years needs the annual rate r^4, so
      expected_lifetime_years = 1 / (1 − r^4). Null when the rate is unknown or 1. One row. -#}
with final_quarters as (
    select q.quarter, q.quarter_start
    from {{ ref('int_retention_quarters') }} q
    cross join {{ ref('int_run_as_of') }} a
    where q.quarter_end <= a.as_of_date
        and not exists (
            select 1 from {{ ref('int_account_quarter_retention') }} p
            where p.quarter = q.quarter and p.is_pending
        )
),

quarters as (
    select
        quarter,
        row_number() over (order by quarter_start desc) as quarters_back
    from final_quarters
),

window_quarters as (
    select quarter from quarters where quarters_back <= 4
),

account_quarters as (
    select a.quarter, a.is_churned, a.is_pending
    from {{ ref('int_account_quarter_retention') }} a
    inner join window_quarters w on w.quarter = a.quarter
),

totals as (
    select
        (select min(quarter) from window_quarters) as first_quarter,
        (select max(quarter) from window_quarters) as last_quarter,
        (select count(*) from window_quarters) as quarters_counted,
        count(*) as start_customers,
        coalesce(sum(case when is_churned then 1 else 0 end), 0) as churned,
        coalesce(sum(case when is_pending then 1 else 0 end), 0) as pending
    from account_quarters
),

rated as (
    select
        first_quarter,
        last_quarter,
        cast(quarters_counted as integer) as quarters_counted,
        cast(start_customers as integer) as start_customers,
        cast(churned as integer) as churned,
        cast(pending as integer) as pending,
        {{ safe_ratio('start_customers - churned', 'start_customers') }} as retention_rate
    from totals
),

final as (
    select
        *,
        case when retention_rate < 1
            then 1 / (1 - retention_rate * retention_rate * retention_rate * retention_rate) end
            as expected_lifetime_years
    from rated
)

select * from final
