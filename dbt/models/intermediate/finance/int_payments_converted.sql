{#- Payments in CNY (docs/metrics.md, Collection): at their invoice's rate (the invoice-date month), so a fully paid
    foreign-currency invoice is exactly 100% collected and exchange differences are not collection. A payment
    to an unknown invoice (an orphan, kept and reported) or in another currency than its invoice is converted
    at the rate of its payment-date month. A reversal is a negative amount. One row per payment. -#}
{{ config(materialized='view') }}  {#- the table is fct_payments, which publishes it: materialised once -#}
with payments as (
    select * from {{ ref('stg_finance__payment') }}
),

invoices as (
    select * from {{ ref('int_invoices_receivable') }}
),

fx as (
    select * from {{ ref('int_fx_rates') }}
),

matched as (
    select
        p.*,
        i.invoice_id as matched_invoice_id,
        i.customer_number as invoice_customer_number,
        i.employee_id,
        i.invoice_date,
        i.due_date,
        case when i.invoice_id is not null and (p.currency = i.currency or p.currency is null)
            then 'invoice_date' else 'payment_date' end as fx_rate_basis,
        i.fx_rate as invoice_fx_rate
    from payments p
    left join invoices i on i.invoice_id = p.invoice_id
),

final as (
    select
        m.payment_id,
        m.invoice_id,
        m.customer_number,
        m.invoice_customer_number,
        m.employee_id,
        m.payment_date,
        cast(date_trunc('month', m.payment_date) as date) as payment_month,
        m.invoice_date,
        m.due_date,
        m.method,
        m.currency,
        m.amount,
        m.fx_rate_basis,
        case when m.fx_rate_basis = 'invoice_date' then m.invoice_fx_rate else fx.rate_to_reporting end as fx_rate,
        {{ money_times_rate('m.amount', "case when m.fx_rate_basis = 'invoice_date' then m.invoice_fx_rate
            else fx.rate_to_reporting end") }} as amount_reporting,
        m.matched_invoice_id is null as is_orphan_invoice,
        m.amount < 0 as is_reversal,
        m.source_file,
        m.source_sha256,
        m.source_row
    from matched m
    left join fx
        on fx.currency = m.currency
        and fx.rate_month = cast(date_trunc('month', m.payment_date) as date)
)

select * from final
