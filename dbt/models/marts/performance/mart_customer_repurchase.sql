{#- Repurchase rate of existing customers (复购率), company-wide per calendar quarter Q (the definition is
    here, the mart holds its logic: no intermediate copy):
    prior_customers = accounts with at least one won deal (close date) in the quarter before Q;
    repurchasing_customers = those of them with at least one won deal in Q (up to the as-of date);
    repurchase_rate = repurchasing_customers / prior_customers, null without prior customers.
    A quarter not ended by the as-of date is not final (more customers may still buy again). Only deals credited
    to a rep count, as in the booking marts. -#}
with credits as (
    select distinct account_id, cast(date_trunc('quarter', close_date) as date) as quarter_start
    from {{ ref('int_bookings_credited') }}
    where employee_id is not null and account_id is not null
),

quarters as (
    select quarter, min(month) as quarter_start, max(month_end) as quarter_end
    from {{ ref('int_calendar_months') }}
    group by quarter
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

prior_and_current as (
    select
        q.quarter,
        q.quarter_start,
        q.quarter_end,
        p.account_id,
        exists (
            select 1 from credits c where c.account_id = p.account_id and c.quarter_start = q.quarter_start
        ) as bought_again
    from quarters q
    inner join credits p on p.quarter_start = cast({{ dbt.dateadd('month', '-3', 'q.quarter_start') }} as date)
),

aggregated as (
    select
        quarter,
        quarter_start,
        quarter_end,
        count(*) as prior_customers,
        sum(case when bought_again then 1 else 0 end) as repurchasing_customers
    from prior_and_current
    group by quarter, quarter_start, quarter_end
)

select
    a.quarter,
    a.quarter_start,
    a.quarter_end,
    cast(a.prior_customers as integer) as prior_customers,
    cast(a.repurchasing_customers as integer) as repurchasing_customers,
    {{ safe_ratio('a.repurchasing_customers', 'a.prior_customers') }} as repurchase_rate,
    a.quarter_end <= as_of.as_of_date as is_final
from aggregated a
cross join as_of
where a.quarter_start <= as_of.as_of_date
