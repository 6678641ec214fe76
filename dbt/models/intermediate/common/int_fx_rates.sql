{#- Monthly rates to the reporting currency, with the reporting currency itself at exactly 1 for every month
    so CNY amounts never depend on a delivered row. Missing rates are reported by tests, never defaulted. -#}
with delivered as (
    select rate_month, currency, rate_to_reporting from {{ ref('stg_finance__fx_rate') }}
    where currency <> '{{ var("reporting_currency") }}'
),

reporting as (
    select month as rate_month, '{{ var("reporting_currency") }}' as currency,
        cast(1 as decimal(18, 8)) as rate_to_reporting
    from {{ ref('int_calendar_months') }}
)

select * from delivered
union all
select * from reporting
