{#- The contracts that cover an account (docs/metrics.md, Retention): Status is not Draft, with both dates and an end
    not before the start (a terminated contract ends on its termination date). Each carries the unbroken coverage
    span it belongs to: contracts that overlap or follow each other with no day between them form one span
    (gaps and islands: a new span starts where the start lies more than one day after every earlier end). -#}
with contracts as (
    select contract_id, account_id, status, start_date, end_date
    from {{ ref('stg_crm__contract') }}
    where status <> 'Draft'
        and account_id is not null
        and start_date is not null
        and end_date is not null
        and end_date >= start_date
),

with_prior_end as (
    select
        contract_id,
        account_id,
        status,
        start_date,
        end_date,
        max(end_date) over (
            partition by account_id
            order by start_date, end_date, contract_id
            rows between unbounded preceding and 1 preceding
        ) as prior_max_end_date
    from contracts
),

flagged as (
    select
        *,
        case when prior_max_end_date is null or start_date > cast({{ dbt.dateadd('day', '1', 'prior_max_end_date') }} as date)
            then 1 else 0 end as starts_new_span
    from with_prior_end
),

numbered as (
    select
        contract_id,
        account_id,
        status,
        start_date,
        end_date,
        sum(starts_new_span) over (
            partition by account_id
            order by start_date, end_date, contract_id
            rows between unbounded preceding and current row
        ) as span_no
    from flagged
)

select
    contract_id,
    account_id,
    status,
    start_date,
    end_date,
    cast(span_no as integer) as span_no,
    account_id || '|' || cast(span_no as {{ type_text() }}) as span_id
from numbered
