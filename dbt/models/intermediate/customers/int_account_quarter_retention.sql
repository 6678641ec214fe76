{#- Retention (docs/metrics.md) per start customer and quarter. A start customer is an account covered on the quarter's
    first day, credited to its current owner; its coverage end is the end of the span that includes that day.
    It comes back when, after the coverage end up to and including the same day 6 calendar months later (policy_customers, in force on the quarter's last day) (and not
    after the as-of date), it has a won opportunity (CloseDate) or a new contract (StartDate, not Draft).
    churned: not covered on the quarter's last day, no comeback, and the window has fully passed by the as-of date.
    pending: the same, but the window ends after the as-of date (not proven yet).
    Renewal: had a contract ending in the quarter (renewal base); renewed when also covered on the last day and a
    new contract (started after the ending one, ending later) starts at most 30 days after that ending (policy_customers). -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

quarters as (
    select quarter, quarter_start, quarter_end from {{ ref('int_retention_quarters') }}
),

spans as (
    select account_id, span_start, span_end from {{ ref('int_account_coverage_spans') }}
),

contracts as (
    select contract_id, account_id, start_date, end_date from {{ ref('int_account_coverage_contracts') }}
),

accounts as (
    select account_id, owner_employee_id from {{ ref('int_accounts_owned') }}
),

policy as (
    select churn_window_months, renewal_window_days, effective_from, effective_to from {{ ref('policy_customers') }}
),

won_opportunities as (
    select account_id, close_date
    from {{ ref('int_opportunities_converted') }}
    where is_won and account_id is not null and close_date is not null
),

start_customers as (
    select
        s.account_id,
        q.quarter,
        q.quarter_start,
        q.quarter_end,
        a.owner_employee_id as employee_id,
        s.span_start as coverage_start,
        s.span_end as coverage_end,
        cast({{ dbt.dateadd('month', 'p.churn_window_months', 's.span_end') }} as date) as churn_window_end,
        p.renewal_window_days
    from quarters q
    inner join spans s on q.quarter_start between s.span_start and s.span_end
    inner join accounts a on a.account_id = s.account_id
    inner join policy p on {{ policy_in_force('p', 'q.quarter_end') }}
),

covered_last_day as (
    select distinct sc.account_id, sc.quarter
    from start_customers sc
    inner join spans s
        on s.account_id = sc.account_id
        and sc.quarter_end between s.span_start and s.span_end
),

comebacks as (
    select account_id, close_date as comeback_date from won_opportunities
    union all
    select account_id, start_date as comeback_date from contracts
),

first_comebacks as (
    select sc.account_id, sc.quarter, min(c.comeback_date) as first_comeback_date
    from start_customers sc
    cross join as_of
    inner join comebacks c
        on c.account_id = sc.account_id
        and c.comeback_date > sc.coverage_end
        and c.comeback_date <= sc.churn_window_end
        and c.comeback_date <= as_of.as_of_date
    group by sc.account_id, sc.quarter
),

ending_contracts as (
    select sc.account_id, sc.quarter, e.contract_id, e.start_date, e.end_date, sc.renewal_window_days
    from start_customers sc
    inner join contracts e
        on e.account_id = sc.account_id
        and e.end_date between sc.quarter_start and sc.quarter_end
),

renewal_base as (
    select distinct account_id, quarter from ending_contracts
),

renewal_contracts as (
    select distinct e.account_id, e.quarter
    from ending_contracts e
    inner join contracts n
        on n.account_id = e.account_id
        and n.contract_id <> e.contract_id
        and n.start_date > e.start_date
        and n.end_date > e.end_date
        and n.start_date <= cast({{ dbt.dateadd('day', 'e.renewal_window_days', 'e.end_date') }} as date)
),

flagged as (
    select
        sc.account_id,
        sc.quarter,
        sc.quarter_start,
        sc.quarter_end,
        sc.employee_id,
        sc.coverage_start,
        sc.coverage_end,
        sc.churn_window_end,
        cl.account_id is not null as covered_on_last_day,
        fc.first_comeback_date,
        rb.account_id is not null as has_contract_ending,
        rc.account_id is not null as has_renewal_contract,
        as_of.as_of_date
    from start_customers sc
    cross join as_of
    left join covered_last_day cl on cl.account_id = sc.account_id and cl.quarter = sc.quarter
    left join first_comebacks fc on fc.account_id = sc.account_id and fc.quarter = sc.quarter
    left join renewal_base rb on rb.account_id = sc.account_id and rb.quarter = sc.quarter
    left join renewal_contracts rc on rc.account_id = sc.account_id and rc.quarter = sc.quarter
),

final as (
    select
        account_id,
        quarter,
        quarter_start,
        quarter_end,
        employee_id,
        coverage_start,
        coverage_end,
        churn_window_end,
        covered_on_last_day,
        first_comeback_date,
        not covered_on_last_day and first_comeback_date is null and churn_window_end <= as_of_date as is_churned,
        not covered_on_last_day and first_comeback_date is null and churn_window_end > as_of_date as is_pending,
        has_contract_ending,
        has_contract_ending and covered_on_last_day and has_renewal_contract as is_renewed
    from flagged
)

select * from final
