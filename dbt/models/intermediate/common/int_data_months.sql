{#- The months the data covers, one row: the first and last month of any dated fact (targets, opportunities
    created or closing, tasks, invoices, payments, FX rates). The calendar and the rep-month spine start here, so a
    quiet first month (targets and salaries but no close yet) is kept, and history before any fixed date is not
    cut off. HR is not a bound: an employee's first version covers every earlier date (valid_from 1900-01-01) and
    hire dates go back years before the first extract; employment bounds each rep's months in int_rep_months.
    Reads staging only (int_fx_rates depends on the calendar). -#}
with fact_months as (
    select min(period_month) as first_month, max(period_month) as last_month from {{ ref('stg_planning__target') }}
    union all
    select
        least(min(cast(date_trunc('month', close_date) as date)), min(cast(date_trunc('month', created_date) as date))),
        greatest(max(cast(date_trunc('month', close_date) as date)), max(cast(date_trunc('month', created_date) as date)))
    from {{ ref('stg_crm__opportunity') }}
    union all
    select min(cast(date_trunc('month', activity_date) as date)), max(cast(date_trunc('month', activity_date) as date)) from {{ ref('stg_crm__task') }}
    union all
    select min(cast(date_trunc('month', invoice_date) as date)), max(cast(date_trunc('month', invoice_date) as date)) from {{ ref('stg_finance__invoice') }}
    union all
    select min(cast(date_trunc('month', payment_date) as date)), max(cast(date_trunc('month', payment_date) as date)) from {{ ref('stg_finance__payment') }}
    union all
    select min(rate_month), max(rate_month) from {{ ref('stg_finance__fx_rate') }}
)

select
    min(first_month) as first_month,
    max(last_month) as last_month
from fact_months
