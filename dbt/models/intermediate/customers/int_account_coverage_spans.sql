{#- Unbroken coverage spans per account: one row per island of int_account_coverage_contracts. An account is
    covered on day d when d lies between span_start and span_end (both inclusive). -#}
with contracts as (
    select * from {{ ref('int_account_coverage_contracts') }}
),

final as (
    select
        span_id,
        account_id,
        span_no,
        min(start_date) as span_start,
        max(end_date) as span_end,
        cast(count(*) as integer) as contract_count
    from contracts
    group by span_id, account_id, span_no
)

select * from final
