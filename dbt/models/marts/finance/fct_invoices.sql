{#- Every current invoice and credit note in CNY with its credited rep and gross receivable (README, The marts).
    Invoices carry their receivable and credit notes; a credit note's own row has a receivable of 0 (its
    amount is already netted on its original invoice) and points to original_invoice_id. -#}
with invoices as (
    select * from {{ ref('int_invoices_receivable') }}
),

credit_notes as (
    select * from {{ ref('int_finance_documents') }}
    where document_type = 'CRN'
),

documents as (
    select
        invoice_id,
        invoice_number,
        'INV' as document_type,
        cast(null as {{ type_text() }}) as original_invoice_id,
        customer_number,
        account_id,
        opportunity_id,
        employee_id,
        credited_via,
        invoice_date,
        due_date,
        payment_terms_days,
        status,
        currency,
        fx_rate,
        gross_amount,
        gross_amount_reporting,
        credit_note_count,
        credit_notes_amount_reporting,
        gross_receivable_reporting,
        is_orphan_customer,
        false as is_orphan_credit_note,
        source_file,
        source_sha256,
        source_row
    from invoices
    union all
    select
        invoice_id,
        invoice_number,
        'CRN' as document_type,
        original_invoice_id,
        customer_number,
        account_id,
        opportunity_id,
        employee_id,
        credited_via,
        invoice_date,
        due_date,
        payment_terms_days,
        status,
        currency,
        fx_rate,
        gross_amount,
        gross_amount_reporting,
        0 as credit_note_count,
        0 as credit_notes_amount_reporting,
        0 as gross_receivable_reporting,
        is_orphan_customer,
        is_orphan_credit_note,
        source_file,
        source_sha256,
        source_row
    from credit_notes
),

final as (
    select
        cast(invoice_id as {{ type_text() }}) as invoice_id,
        cast(invoice_number as {{ type_text() }}) as invoice_number,
        cast(document_type as {{ type_text() }}) as document_type,
        cast(original_invoice_id as {{ type_text() }}) as original_invoice_id,
        cast(customer_number as {{ type_text() }}) as customer_number,
        cast(account_id as {{ type_text() }}) as account_id,
        cast(opportunity_id as {{ type_text() }}) as opportunity_id,
        cast(employee_id as {{ type_text() }}) as employee_id,
        cast(credited_via as {{ type_text() }}) as credited_via,
        cast(invoice_date as date) as invoice_date,
        cast(due_date as date) as due_date,
        cast(payment_terms_days as integer) as payment_terms_days,
        cast(status as {{ type_text() }}) as status,
        cast(currency as {{ type_text() }}) as currency,
        cast(fx_rate as decimal(18, 8)) as fx_rate,
        cast(gross_amount as decimal(18, 2)) as gross_amount,
        cast(gross_amount_reporting as decimal(38, 8)) as gross_amount_reporting,
        cast(credit_note_count as integer) as credit_note_count,
        cast(credit_notes_amount_reporting as decimal(38, 8)) as credit_notes_amount_reporting,
        cast(gross_receivable_reporting as decimal(38, 8)) as gross_receivable_reporting,
        cast(is_orphan_customer as boolean) as is_orphan_customer,
        cast(is_orphan_credit_note as boolean) as is_orphan_credit_note,
        cast(source_file as {{ type_text() }}) as source_file,
        cast(source_sha256 as {{ type_text() }}) as source_sha256,
        cast(source_row as bigint) as source_row
    from documents
    {#- A document dated after the as-of date is not known yet (SPM_AS_OF reproducing a past run). #}
    where {{ known_by_as_of('invoice_date') }}
)

select * from final
