{#- Events that remove receivable from a won deal, and the bookings each removes from each credited rep
    (docs/pay.md#clawbacks). One row per event and credited rep (booking credit).

    - credit_note: a non-void credit note (CRN) on an invoice of the deal (invoice.opportunity_id), on its
      invoice_date; it removes its gross amount. A credit note dated after its invoice was written off removes
      nothing more (that receivable is already gone).
    - write_off_180d: an invoice of the deal still open 180 days (policy_clawback.write_off_days, the row in
      force on the due date) after its due date is written off on due_date + 180 days (when that is on or before
      the as-of date); it removes the open balance of that day:
      gross amount - credit notes dated up to then - payments dated up to then (reversals negative).
    Receivable is gross (with tax) and bookings are net, in the deal's terms: the removed share of the deal is
    removed receivable x (invoice net / invoice gross) / deal amount (document currency, all at the invoice
    rate; the deal's CNY amount when the currencies differ). Per deal the removed shares are capped at 100% in
    event order (a deal cannot lose more than it booked). removed_bookings = that share x the rep's credited
    bookings (CNY at the close-date rate, credited share). Whether an event claws anything back is decided in
    int_pay_clawbacks (only deals closed in an earlier month whose bonus was paid). -#}
with documents as (
    select * from {{ ref('int_finance_documents') }}
),

invoices as (
    select * from {{ ref('int_invoices_receivable') }}
    where opportunity_id is not null and not is_void
),

payments as (
    select * from {{ ref('int_payments_converted') }}
    where not is_orphan_invoice
),

deals as (
    select opportunity_id, close_date, close_month, currency, amount, amount_reporting
    from {{ ref('int_opportunities_converted') }}
    where is_won
),

credits as (
    select * from {{ ref('int_bookings_credited') }}
    where employee_id is not null
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

clawback_policy as (
    select write_off_days, effective_from, effective_to from {{ ref('policy_clawback') }}
),

write_off_dates as (
    select
        i.invoice_id,
        cast({{ dbt.dateadd('day', 'p.write_off_days', 'i.due_date') }} as date) as write_off_date
    from invoices i
    cross join as_of a
    inner join clawback_policy p on {{ policy_in_force('p', 'i.due_date') }}
    where cast({{ dbt.dateadd('day', 'p.write_off_days', 'i.due_date') }} as date) <= a.as_of_date
),

credit_note_events as (
    select
        c.invoice_id as event_id,
        'credit_note' as event_type,
        c.invoice_date as event_date,
        i.invoice_id,
        c.invoice_id as credit_note_id,
        cast(c.gross_amount_reporting as decimal(38, 10)) as removed_receivable_reporting,
        c.source_file,
        c.source_sha256,
        c.source_row
    from documents c
    inner join invoices i on i.invoice_id = c.original_invoice_id
    cross join as_of a
    left join write_off_dates w on w.invoice_id = i.invoice_id
    where c.document_type = 'CRN'
        and not c.is_void
        and c.invoice_date <= a.as_of_date
        and (w.write_off_date is null or c.invoice_date <= w.write_off_date)
),

write_off_balances as (
    select
        w.invoice_id,
        w.write_off_date,
        cast(i.gross_amount_reporting
            - coalesce((select sum(c.gross_amount_reporting) from documents c
                        where c.document_type = 'CRN' and not c.is_void and c.original_invoice_id = i.invoice_id
                            and c.invoice_date <= w.write_off_date), 0)
            - coalesce((select sum(p.amount_reporting) from payments p
                        where p.invoice_id = i.invoice_id and p.payment_date <= w.write_off_date), 0)
            as decimal(38, 10)) as open_balance_reporting
    from write_off_dates w
    inner join invoices i on i.invoice_id = w.invoice_id
),

write_off_events as (
    select
        'WO|' || b.invoice_id as event_id,
        'write_off_180d' as event_type,
        b.write_off_date as event_date,
        b.invoice_id,
        cast(null as {{ type_text() }}) as credit_note_id,
        b.open_balance_reporting as removed_receivable_reporting,
        i.source_file,
        i.source_sha256,
        i.source_row
    from write_off_balances b
    inner join invoices i on i.invoice_id = b.invoice_id
    where b.open_balance_reporting > 0
),

events as (
    select * from credit_note_events
    union all
    select * from write_off_events
),

deal_shares as (
    select
        e.*,
        i.opportunity_id,
        d.close_date,
        d.close_month,
        {{ pay_divide(pay_divide(pay_multiply('e.removed_receivable_reporting', 'i.net_amount'), 'i.gross_amount'),
            "case when i.currency = d.currency then " ~ money_times_rate('d.amount', 'i.fx_rate') ~ " else d.amount_reporting end") }}
            as removed_deal_share_raw
    from events e
    inner join invoices i on i.invoice_id = e.invoice_id
    inner join deals d on d.opportunity_id = i.opportunity_id
),

capped as (
    select
        s.*,
        coalesce(sum(s.removed_deal_share_raw) over (
            partition by s.opportunity_id order by s.event_date, s.event_id
            rows between unbounded preceding and 1 preceding), 0) as removed_share_before
    from deal_shares s
),

final as (
    select
        c.event_id || '|' || cr.booking_credit_id as clawback_event_id,
        c.event_id,
        c.event_type,
        c.event_date,
        cast(date_trunc('month', c.event_date) as date) as event_month,
        c.invoice_id,
        c.credit_note_id,
        c.opportunity_id,
        c.close_date,
        c.close_month,
        cr.employee_id,
        cr.booking_credit_id,
        cr.credit_share,
        c.removed_receivable_reporting,
        c.removed_deal_share_raw,
        case when c.removed_share_before >= 1 then cast(0 as decimal(38, 10))
             when c.removed_share_before + c.removed_deal_share_raw > 1
                then {{ pay_decimal('1 - c.removed_share_before') }}
             else c.removed_deal_share_raw end as removed_deal_share,
        cast(cr.amount_reporting as decimal(38, 10)) as credited_bookings,
        c.source_file,
        c.source_sha256,
        c.source_row
    from capped c
    inner join credits cr on cr.opportunity_id = c.opportunity_id
)

select
    *,
    {{ pay_multiply('removed_deal_share', 'credited_bookings') }} as removed_bookings
from final
