{#- Gross receivable per invoice (docs/metrics.md, Collection): gross_amount minus the gross_amount of its credit
    notes (a VOID credit note credits nothing), in document currency and in CNY at the invoice-date rate;
    a VOID invoice counts 0. One row per INV document. -#}
with documents as (
    select * from {{ ref('int_finance_documents') }}
),

invoices as (
    select * from documents
    where document_type = 'INV'
),

credit_notes as (
    select
        original_invoice_id as invoice_id,
        count(*) as credit_note_count,
        sum(gross_amount) as credit_notes_amount,
        sum(gross_amount_reporting) as credit_notes_amount_reporting
    from documents
    where document_type = 'CRN'
        and not is_void
        and original_invoice_id is not null
    group by original_invoice_id
),

receivable as (
    select
        i.*,
        coalesce(c.credit_note_count, 0) as credit_note_count,
        coalesce(c.credit_notes_amount, 0) as credit_notes_amount,
        coalesce(c.credit_notes_amount_reporting, 0) as credit_notes_amount_reporting,
        case when i.is_void then 0 else i.gross_amount - coalesce(c.credit_notes_amount, 0) end
            as gross_receivable
    from invoices i
    left join credit_notes c on c.invoice_id = i.invoice_id
),

final as (
    select
        invoice_id,
        invoice_number,
        customer_number,
        account_id,
        opportunity_id,
        salesperson_employee_id,
        account_owner_employee_id,
        employee_id,
        credited_via,
        invoice_date,
        invoice_month,
        due_date,
        cast(date_trunc('month', due_date) as date) as due_month,
        payment_terms_days,
        status,
        is_void,
        currency,
        fx_rate,
        net_amount,
        tax_amount,
        gross_amount,
        gross_amount_reporting,
        cast(credit_note_count as integer) as credit_note_count,
        cast(credit_notes_amount as decimal(38, 8)) as credit_notes_amount,
        cast(credit_notes_amount_reporting as decimal(38, 8)) as credit_notes_amount_reporting,
        cast(gross_receivable as decimal(38, 8)) as gross_receivable,
        {{ money_times_rate('gross_receivable', 'fx_rate') }} as gross_receivable_reporting,
        is_orphan_customer,
        source_file,
        source_sha256,
        source_row
    from receivable
)

select * from final
