{#- Interface for the quarterly KPI marts: retention and renewal per rep and quarter (docs/metrics.md, Retention).
    Every rep employed in a retention quarter has a row, so a rep without start customers shows 0 start customers
    and a null retention_rate (never 0). is_final is false while some start customer is pending or the quarter
    has not ended by the as-of date. -#}
{{ config(materialized='view') }}  {#- the table is mart_customer_retention, which publishes it: materialised once -#}
with quarters as (
    select quarter, quarter_start, quarter_end, is_complete from {{ ref('int_retention_quarters') }}
),

account_quarters as (
    select * from {{ ref('int_account_quarter_retention') }}
    where employee_id is not null
),

rep_quarters as (
    select r.employee_id, r.quarter
    from {{ ref('int_rep_months') }} r
    inner join quarters q on q.quarter = r.quarter
    union
    select employee_id, quarter from account_quarters
),

counts as (
    select
        employee_id,
        quarter,
        count(*) as start_customers,
        sum(case when is_churned then 1 else 0 end) as churned,
        sum(case when is_pending then 1 else 0 end) as pending,
        sum(case when has_contract_ending then 1 else 0 end) as renewal_base,
        sum(case when is_renewed then 1 else 0 end) as renewed
    from account_quarters
    group by employee_id, quarter
),

filled as (
    select
        rq.employee_id,
        rq.quarter,
        q.quarter_start,
        q.quarter_end,
        q.is_complete,
        cast(coalesce(c.start_customers, 0) as integer) as start_customers,
        cast(coalesce(c.churned, 0) as integer) as churned,
        cast(coalesce(c.pending, 0) as integer) as pending,
        cast(coalesce(c.renewal_base, 0) as integer) as renewal_base,
        cast(coalesce(c.renewed, 0) as integer) as renewed
    from rep_quarters rq
    inner join quarters q on q.quarter = rq.quarter
    left join counts c on c.employee_id = rq.employee_id and c.quarter = rq.quarter
),

final as (
    select
        employee_id,
        quarter,
        quarter_start,
        quarter_end,
        start_customers,
        churned,
        pending,
        {{ safe_ratio('start_customers - churned', 'start_customers') }} as retention_rate,
        renewal_base,
        renewed,
        {{ safe_ratio('renewed', 'renewal_base') }} as renewal_rate,
        pending = 0 and is_complete as is_final
    from filled
)

select * from final
