{#- Collection per credited rep and due month (docs/metrics.md, Collection): the interface the KPI marts read.
    Period = the month of the invoice's due date. Rates are ratios of the sums (null on a zero receivable);
    collection_target is the receivable-weighted average target over the invoices that have one. Invoices
    credited to nobody (orphan customer, no salesperson) are left out here and reported by tests. -#}
with invoices as (
    select * from {{ ref('int_invoice_collection') }}
    where employee_id is not null
),

aggregated as (
    select
        employee_id,
        due_month as month,
        count(*) as invoices_due,
        sum(receivable) as receivable_due,
        sum(collected) as collected,
        sum(collected_on_time) as collected_on_time,
        sum(overpaid_amount) as overpaid_amount,
        sum(case when has_target then receivable * target_rate else 0 end) as collection_target_numerator,
        sum(case when has_target then receivable else 0 end) as collection_target_denominator,
        sum(case when has_target then 0 else 1 end) as invoices_without_target
    from invoices
    group by employee_id, due_month
),

final as (
    select
        employee_id,
        month,
        cast(invoices_due as integer) as invoices_due,
        cast(receivable_due as decimal(38, 8)) as receivable_due,
        cast(collected as decimal(38, 8)) as collected,
        cast(collected_on_time as decimal(38, 8)) as collected_on_time,
        cast(overpaid_amount as decimal(38, 8)) as overpaid_amount,
        cast(collection_target_numerator as decimal(38, 8)) as collection_target_numerator,
        cast(collection_target_denominator as decimal(38, 8)) as collection_target_denominator,
        cast(invoices_without_target as integer) as invoices_without_target,
        {{ safe_ratio('collected', 'receivable_due') }} as collection_rate,
        {{ safe_ratio('collected_on_time', 'receivable_due') }} as on_time_rate,
        {{ safe_ratio('collection_target_numerator', 'collection_target_denominator') }} as collection_target
    from aggregated
)

select * from final
