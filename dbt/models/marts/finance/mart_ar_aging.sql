{#- AR aging at the run's as-of date (README, The marts): every invoice dated by then with a non-zero open balance
    (receivable - payments to date), its days past due and bucket; a negative balance is an overpayment. -#}
with invoices as (
    select * from {{ ref('int_invoice_collection') }}
),

final as (
    select
        cast(invoice_id as {{ type_text() }}) as invoice_id,
        cast(as_of_date as date) as as_of_date,
        cast(employee_id as {{ type_text() }}) as employee_id,
        cast(customer_number as {{ type_text() }}) as customer_number,
        cast(invoice_date as date) as invoice_date,
        cast(due_date as date) as due_date,
        cast(currency as {{ type_text() }}) as currency,
        cast(receivable as decimal(38, 8)) as gross_receivable_reporting,
        cast(collected as decimal(38, 8)) as collected,
        cast(open_balance as decimal(38, 8)) as open_balance,
        cast(days_past_due as integer) as days_past_due,
        cast(aging_bucket as {{ type_text() }}) as aging_bucket,
        cast(is_orphan_customer as boolean) as is_orphan_customer
    from invoices
    where invoice_date <= as_of_date
        and open_balance <> 0
)

select * from final
