{#- The working-day calendar must cover every delivery and its follow-up deadline, and every case's response when
    response hours are business hours (docs/service.md): a date outside the seed would otherwise count working days
    wrongly. On DuckDB the test raises with the date and what to do;
    elsewhere it returns the uncovered deliveries. Failing, it stops the build of everything that reads them. -#}
{{ config(severity='error') }}
with calendar as (
    select min(calendar_date) as first_day, max(calendar_date) as last_day from {{ ref('int_working_days') }}
),

uncovered as (
    select 'delivery ' || d.order_id as fact, d.delivery_date as fact_date, c.first_day, c.last_day
    from {{ ref('int_service_deliveries') }} d
    cross join calendar c
    where d.followup_due_date is null
    union all
    select 'case ' || s.case_id, s.created_date, c.first_day, c.last_day
    from {{ ref('int_service_cases') }} s
    cross join calendar c
    where s.response_hours_basis = 'business'
        and (s.created_date < c.first_day or {{ business_date('s.responded_at') }} > c.last_day)
)

select *
from uncovered
{% if target.type == 'duckdb' %}
where error(
    'the working-day calendar (dbt/seeds/calendar_cn_working_days.csv) covers ' || strftime(first_day, '%Y-%m-%d')
    || '..' || strftime(last_day, '%Y-%m-%d') || ' but ' || fact || ' on '
    || strftime(fact_date, '%Y-%m-%d') || ' needs working days outside it: run `spm calendar --years '
    || strftime(least(first_day, fact_date), '%Y') || '-' || cast(extract(year from greatest(last_day, fact_date)) + 1 as varchar)
    || '` once the year''s holiday notice is published, or replace the file with your own calendar'
) is null
{% endif %}
