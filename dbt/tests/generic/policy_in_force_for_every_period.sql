{#- Every month the data covers (int_calendar_months) has a row of this policy table in force on its first and
    its last day. A period without a policy would otherwise drop out of every join on effective dates and leave
    empty marts (a quiet, wrong answer). On DuckDB the test raises with the policy table and the months, so the
    build log says exactly what to add; elsewhere it returns one row per gap. -#}
{% test policy_in_force_for_every_period(model) %}
{{ config(severity='error') }}
with periods as (
    select month, month_end from {{ ref('int_calendar_months') }}
),

policy as (
    select cast(effective_from as date) as effective_from, cast(effective_to as date) as effective_to
    from {{ model }}
),

gaps as (
    select p.month
    from periods p
    where not exists (select 1 from policy r where p.month between r.effective_from and r.effective_to)
        or not exists (select 1 from policy r where p.month_end between r.effective_from and r.effective_to)
),

summary as (
    select min(month) as first_month, max(month) as last_month, count(*) as months_without_policy
    from gaps
    having count(*) > 0
)

select *
from summary
{% if target.type == 'duckdb' %}
where error(
    'no policy in force in {{ model.identifier }} for ' || cast(months_without_policy as varchar)
    || ' month(s) of the data, from ' || strftime(first_month, '%Y-%m') || ' to ' || strftime(last_month, '%Y-%m')
    || ': add rows to dbt/seeds/{{ model.identifier }}.csv with effective_from on or before '
    || strftime(first_month, '%Y-%m-%d')
) is null
{% endif %}
{% endtest %}
