{#- Every current payment in CNY at its invoice's rate, credited via its invoice (README, The marts). Orphans (unknown
    invoice) and reversals (negative amounts) are kept and flagged. -#}
with payments as (
    select * from {{ ref('int_payments_converted') }}
),

final as (
    select
        cast(payment_id as {{ type_text() }}) as payment_id,
        cast(invoice_id as {{ type_text() }}) as invoice_id,
        cast(customer_number as {{ type_text() }}) as customer_number,
        cast(employee_id as {{ type_text() }}) as employee_id,
        cast(payment_date as date) as payment_date,
        cast(payment_month as date) as payment_month,
        cast(method as {{ type_text() }}) as method,
        cast(currency as {{ type_text() }}) as currency,
        cast(amount as decimal(18, 2)) as amount,
        cast(fx_rate_basis as {{ type_text() }}) as fx_rate_basis,
        cast(fx_rate as decimal(18, 8)) as fx_rate,
        cast(amount_reporting as decimal(38, 8)) as amount_reporting,
        cast(is_orphan_invoice as boolean) as is_orphan_invoice,
        cast(is_reversal as boolean) as is_reversal,
        cast(source_file as {{ type_text() }}) as source_file,
        cast(source_sha256 as {{ type_text() }}) as source_sha256,
        cast(source_row as bigint) as source_row
    from payments
    {#- A payment dated after the as-of date is not known yet (SPM_AS_OF reproducing a past run). #}
    where {{ known_by_as_of('payment_date') }}
)

select * from final
