{#- Collection per credited rep and quarter (docs/metrics.md, Collection), the quarterly interface. Due-based
    figures are the sums of the rep's monthly numerators and denominators over the quarter's months, rates
    recomputed from them. DSO = open receivable at quarter end / gross invoiced in the quarter x days in the
    quarter, where open receivable = receivable of invoices dated up to the quarter end minus payments to them
    dated up to the quarter end. A quarter still running at the as-of date is cut off there (is_final false).
    Only quarters that have started by the as-of date, from the rep's first invoice on. -#}
with monthly as (
    select * from {{ ref('int_rep_monthly_collection') }}
),

invoices as (
    select * from {{ ref('int_invoice_collection') }}
    where employee_id is not null
),

payments as (
    select * from {{ ref('int_payments_converted') }}
    where not is_orphan_invoice and employee_id is not null
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

months as (
    select * from {{ ref('int_calendar_months') }}
),

quarters as (
    select
        quarter,
        min(month) as quarter_start,
        max(month_end) as quarter_end
    from months
    group by quarter
),

{#- Receivable enters the open balance on the invoice date; a payment leaves it on its date, or on the
    invoice date when paid before the invoice was dated. -#}
ar_events as (
    select employee_id, invoice_date as event_date, receivable as invoiced, receivable as ar_change
    from invoices
    union all
    select
        p.employee_id,
        case when p.payment_date > p.invoice_date then p.payment_date else p.invoice_date end as event_date,
        0 as invoiced,
        -p.amount_reporting as ar_change
    from payments p
    cross join as_of
    where p.payment_date <= as_of.as_of_date
),

rep_first_invoice as (
    select employee_id, min(invoice_date) as first_invoice_date
    from invoices
    group by employee_id
),

rep_quarters as (
    select
        r.employee_id,
        q.quarter,
        q.quarter_start,
        q.quarter_end,
        case when q.quarter_end < as_of.as_of_date then q.quarter_end else as_of.as_of_date end as cutoff_date,
        q.quarter_end <= as_of.as_of_date as is_final
    from rep_first_invoice r
    cross join as_of
    inner join quarters q
        on q.quarter_start <= as_of.as_of_date
        and q.quarter_end >= r.first_invoice_date
),

ar_at_quarter_end as (
    select
        rq.employee_id,
        rq.quarter,
        sum(e.ar_change) as open_receivable_at_quarter_end,
        sum(case when e.event_date >= rq.quarter_start then e.invoiced else 0 end) as gross_invoiced
    from rep_quarters rq
    inner join ar_events e
        on e.employee_id = rq.employee_id
        and e.event_date <= rq.cutoff_date
    group by rq.employee_id, rq.quarter
),

due_in_quarter as (
    select
        m.employee_id,
        c.quarter,
        sum(m.invoices_due) as invoices_due,
        sum(m.receivable_due) as receivable_due,
        sum(m.collected) as collected,
        sum(m.collected_on_time) as collected_on_time,
        sum(m.overpaid_amount) as overpaid_amount,
        sum(m.collection_target_numerator) as collection_target_numerator,
        sum(m.collection_target_denominator) as collection_target_denominator
    from monthly m
    inner join months c on c.month = m.month
    group by m.employee_id, c.quarter
),

final as (
    select
        rq.employee_id,
        rq.quarter,
        rq.quarter_start,
        rq.quarter_end,
        rq.is_final,
        cast(coalesce(d.invoices_due, 0) as integer) as invoices_due,
        cast(coalesce(d.receivable_due, 0) as decimal(38, 8)) as receivable_due,
        cast(coalesce(d.collected, 0) as decimal(38, 8)) as collected,
        cast(coalesce(d.collected_on_time, 0) as decimal(38, 8)) as collected_on_time,
        cast(coalesce(d.overpaid_amount, 0) as decimal(38, 8)) as overpaid_amount,
        cast(coalesce(d.collection_target_numerator, 0) as decimal(38, 8)) as collection_target_numerator,
        cast(coalesce(d.collection_target_denominator, 0) as decimal(38, 8)) as collection_target_denominator,
        {{ safe_ratio('d.collected', 'd.receivable_due') }} as collection_rate,
        {{ safe_ratio('d.collected_on_time', 'd.receivable_due') }} as on_time_rate,
        {{ safe_ratio('d.collection_target_numerator', 'd.collection_target_denominator') }} as collection_target,
        cast(coalesce(a.open_receivable_at_quarter_end, 0) as decimal(38, 8)) as open_receivable_at_quarter_end,
        cast(coalesce(a.gross_invoiced, 0) as decimal(38, 8)) as gross_invoiced,
        cast({{ dbt.datediff('rq.quarter_start', 'rq.quarter_end', 'day') }} + 1 as integer) as days_in_quarter,
        {{ safe_ratio('a.open_receivable_at_quarter_end', 'a.gross_invoiced') }}
            * ({{ dbt.datediff('rq.quarter_start', 'rq.quarter_end', 'day') }} + 1) as dso
    from rep_quarters rq
    left join due_in_quarter d on d.employee_id = rq.employee_id and d.quarter = rq.quarter
    left join ar_at_quarter_end a on a.employee_id = rq.employee_id and a.quarter = rq.quarter
)

select * from final
