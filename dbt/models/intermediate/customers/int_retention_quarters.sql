{#- The quarters retention is measured for: from the quarter of the first contract start to the as-of quarter.
    is_complete is false for the as-of quarter while it has not ended. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

first_contract as (
    select min(span_start) as first_start from {{ ref('int_account_coverage_spans') }}
),

quarters as (
    select quarter, min(month) as quarter_start, max(month_end) as quarter_end
    from {{ ref('int_calendar_months') }}
    group by quarter
),

final as (
    select
        q.quarter,
        q.quarter_start,
        q.quarter_end,
        q.quarter_end <= as_of.as_of_date as is_complete
    from quarters q
    cross join as_of
    cross join first_contract f
    where q.quarter_end >= f.first_start
        and q.quarter_start <= as_of.as_of_date
)

select * from final
