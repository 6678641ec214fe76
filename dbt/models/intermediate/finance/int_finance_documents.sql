{#- Every current invoice (INV) and credit note (CRN) with its CNY rate, credited rep and identity flags.
    Rate (docs/metrics.md, Collection): the invoice-date month; a credit note takes its original invoice's, so it
    reduces the receivable at the rate the invoice was booked at. A missing rate leaves fx_rate null, which
    fails the build (no silent 1.0). Credited rep (docs/sources.md, Identity): salesperson_employee_id, else the
    owner of the account whose AccountNumber is the customer_number; a credit note follows its invoice. -#}
with documents as (
    select * from {{ ref('stg_finance__invoice') }}
),

fx as (
    select * from {{ ref('int_fx_rates') }}
),

{#- One account per customer_number (the earliest created) so a duplicated AccountNumber cannot fan out. -#}
accounts as (
    select customer_number, account_id, owner_employee_id
    from (
        select
            customer_number,
            account_id,
            owner_employee_id,
            row_number() over (partition by customer_number order by created_at, account_id) as account_rank
        from {{ ref('int_accounts_owned') }}
        where customer_number is not null
    ) ranked
    where account_rank = 1
),

originals as (
    select invoice_id, invoice_date, salesperson_employee_id
    from documents
    where document_type = 'INV'
),

resolved as (
    select
        d.*,
        o.invoice_id as matched_original_invoice_id,
        case when d.document_type = 'CRN' then coalesce(o.invoice_date, d.invoice_date) else d.invoice_date end
            as rate_date,
        case when d.document_type = 'CRN' then coalesce(o.salesperson_employee_id, d.salesperson_employee_id)
            else d.salesperson_employee_id end as credited_salesperson_id
    from documents d
    left join originals o
        on d.document_type = 'CRN'
        and o.invoice_id = d.original_invoice_id
),

final as (
    select
        r.invoice_id,
        r.invoice_number,
        r.document_type,
        r.original_invoice_id,
        r.customer_number,
        a.account_id,
        r.opportunity_id,
        r.salesperson_employee_id,
        a.owner_employee_id as account_owner_employee_id,
        coalesce(r.credited_salesperson_id, a.owner_employee_id) as employee_id,
        case when r.credited_salesperson_id is not null then 'salesperson'
             when a.owner_employee_id is not null then 'account_owner' end as credited_via,
        r.invoice_date,
        cast(date_trunc('month', r.invoice_date) as date) as invoice_month,
        r.due_date,
        r.payment_terms_days,
        r.status,
        r.status = 'VOID' as is_void,
        r.currency,
        cast(date_trunc('month', r.rate_date) as date) as rate_month,
        fx.rate_to_reporting as fx_rate,
        r.net_amount,
        r.tax_amount,
        r.gross_amount,
        {{ money_times_rate('r.gross_amount', 'fx.rate_to_reporting') }} as gross_amount_reporting,
        a.account_id is null as is_orphan_customer,
        r.document_type = 'CRN' and r.matched_original_invoice_id is null as is_orphan_credit_note,
        r.updated_at,
        r.source_file,
        r.source_sha256,
        r.source_row
    from resolved r
    left join accounts a on a.customer_number = r.customer_number
    left join fx
        on fx.currency = r.currency
        and fx.rate_month = cast(date_trunc('month', r.rate_date) as date)
)

select * from final
