{#- The working-day calendar must cover every delivery and its follow-up deadline (docs/service.md): a date after the
    seed's last day would otherwise count working days wrongly. On DuckDB the test raises with the date and what to do;
    elsewhere it returns the uncovered deliveries. Failing, it stops the build of everything that reads them. -#}
{{ config(severity='error') }}
with calendar as (
    select min(calendar_date) as first_day, max(calendar_date) as last_day from {{ ref('int_working_days') }}
),

uncovered as (
    select d.order_id, d.delivery_date, c.first_day, c.last_day
    from {{ ref('int_service_deliveries') }} d
    cross join calendar c
    where d.followup_due_date is null
)

select *
from uncovered
{% if target.type == 'duckdb' %}
where error(
    'the working-day calendar (dbt/seeds/calendar_cn_working_days.csv) covers ' || strftime(first_day, '%Y-%m-%d')
    || '..' || strftime(last_day, '%Y-%m-%d') || ' but delivery ' || order_id || ' on '
    || strftime(delivery_date, '%Y-%m-%d') || ' needs working days past it: run `spm calendar --years '
    || strftime(first_day, '%Y') || '-' || cast(extract(year from delivery_date) + 1 as varchar)
    || '` once the year''s holiday notice is published, or replace the file with your own calendar'
) is null
{% endif %}
