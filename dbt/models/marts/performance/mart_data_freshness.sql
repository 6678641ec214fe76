{#- One row: the run's as-of date and the latest business date of each fact the dashboard shows, so a reader
    sees how fresh each panel is (a lagging extract shows as an older date). Only facts known by the as-of date
    count (known_by_as_of), so no latest date is after it. reporting_currency is the currency of every money
    column of every mart (amounts are converted at the close/invoice/payment month's rate). -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

final as (
    select
        a.as_of_date,
        cast('{{ var("reporting_currency") }}' as {{ type_text() }}) as reporting_currency,
        (select max(close_date) from {{ ref('fct_bookings') }} where {{ known_by_as_of('close_date') }}) as latest_booking_date,
        (select max(invoice_date) from {{ ref('fct_invoices') }} where {{ known_by_as_of('invoice_date') }}) as latest_invoice_date,
        (select max(payment_date) from {{ ref('fct_payments') }} where {{ known_by_as_of('payment_date') }}) as latest_payment_date,
        (select max(last_survey_date) from {{ ref('mart_customer_satisfaction') }}
            where {{ known_by_as_of('last_survey_date') }}) as latest_survey_date
    from as_of a
)

select * from final
