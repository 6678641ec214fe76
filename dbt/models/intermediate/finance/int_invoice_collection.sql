{#- Collection per invoice as of the run's cut-off (docs/metrics.md, Collection): collected = payments (reversals
    negative) dated up to the as-of date; collected_on_time = those dated up to the due date as well.
    Overpayment is kept and reported, never capped: collected may exceed the receivable. The target comes from
    the collection policy row for the invoice's payment terms effective on the last day of its due month
    (null when the terms are not in the policy: reported by a test). Open balance and aging are as of the
    cut-off. One row per INV document. -#}
with invoices as (
    select * from {{ ref('int_invoices_receivable') }}
),

payments as (
    select * from {{ ref('int_payments_converted') }}
    where not is_orphan_invoice
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

targets as (
    select
        cast(payment_terms_days as integer) as payment_terms_days,
        cast(target_rate as decimal(9, 4)) as target_rate,
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to,
        cast(policy_version as {{ type_text() }}) as policy_version
    from {{ ref('policy_collection_targets') }}
),

collected as (
    select
        p.invoice_id,
        sum(p.amount_reporting) as collected,
        sum(case when p.payment_date <= i.due_date then p.amount_reporting else 0 end) as collected_on_time,
        count(*) as payment_count,
        max(p.payment_date) as last_payment_date
    from payments p
    inner join invoices i on i.invoice_id = p.invoice_id
    cross join as_of
    where p.payment_date <= as_of.as_of_date
    group by p.invoice_id
),

joined as (
    select
        i.invoice_id,
        i.customer_number,
        i.employee_id,
        i.invoice_date,
        i.invoice_month,
        i.due_date,
        i.due_month,
        i.payment_terms_days,
        i.currency,
        i.is_void,
        i.is_orphan_customer,
        i.gross_receivable_reporting as receivable,
        cast(coalesce(c.collected, 0) as decimal(38, 8)) as collected,
        cast(coalesce(c.collected_on_time, 0) as decimal(38, 8)) as collected_on_time,
        cast(coalesce(c.payment_count, 0) as integer) as payment_count,
        c.last_payment_date,
        t.target_rate,
        t.policy_version,
        as_of.as_of_date
    from invoices i
    cross join as_of
    left join collected c on c.invoice_id = i.invoice_id
    left join targets t
        on t.payment_terms_days = i.payment_terms_days
        and cast({{ dbt.last_day('i.due_date', 'month') }} as date) between t.effective_from and t.effective_to
),

final as (
    select
        invoice_id,
        customer_number,
        employee_id,
        invoice_date,
        invoice_month,
        due_date,
        due_month,
        payment_terms_days,
        currency,
        is_void,
        is_orphan_customer,
        receivable,
        collected,
        collected_on_time,
        cast(case when collected > receivable then collected - receivable else 0 end as decimal(38, 8))
            as overpaid_amount,
        payment_count,
        last_payment_date,
        target_rate,
        policy_version,
        target_rate is not null as has_target,
        as_of_date,
        cast(receivable - collected as decimal(38, 8)) as open_balance,
        {{ dbt.datediff('due_date', 'as_of_date', 'day') }} as days_past_due,
        -- docs/metrics.md, Collection: a negative open balance is an overpayment; otherwise by days past due
        case
            when receivable - collected < 0 then 'credit_balance'
            when {{ dbt.datediff('due_date', 'as_of_date', 'day') }} <= 0 then 'not_due'
            when {{ dbt.datediff('due_date', 'as_of_date', 'day') }} <= 30 then '1-30'
            when {{ dbt.datediff('due_date', 'as_of_date', 'day') }} <= 60 then '31-60'
            when {{ dbt.datediff('due_date', 'as_of_date', 'day') }} <= 90 then '61-90'
            else 'over_90'
        end as aging_bucket
    from joined
)

select * from final
