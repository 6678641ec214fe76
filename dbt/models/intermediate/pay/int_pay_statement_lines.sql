{#- The pay statement as lines: one row per rep, month and line (base_salary, base_performance_pay,
    performance_bonus, capability_bonus, csat_bonus, clawback, total_pay), each carrying the statement's inputs.
    total_pay is the sum of the six rounded lines (rounding happens at the line level only). -#}
{#- The lines, their amounts, reasons, shares, bases and factors: pay_line_specs of pay.sql. -#}
{%- set lines = pay_line_specs() -%}
with inputs as (
    select * from {{ ref('int_pay_monthly_inputs') }}
),

clawbacks as (
    select
        employee_id,
        month,
        cast(sum(clawback_amount) as decimal(18, 2)) as clawback_amount,
        cast(sum(clawback_events) as integer) as clawback_events,
        {{ dbt.listagg("cast(original_month as " ~ type_text() ~ ")", "','", "order by original_month") }} as clawback_original_months,
        {{ dbt.listagg(
            "cast(original_month as " ~ type_text() ~ ") || ': bookings ' || cast(cast(bookings_before as decimal(18, 2)) as " ~ type_text() ~ ")
            || ' - removed ' || cast(cast(removed_bookings as decimal(18, 2)) as " ~ type_text() ~ ")
            || ' = ' || cast(cast(bookings_after as decimal(18, 2)) as " ~ type_text() ~ ")
            || ' (events ' || event_ids || '); bonus ' || cast(bonus_before as " ~ type_text() ~ ")
            || ' -> ' || cast(bonus_after as " ~ type_text() ~ ")
            || case when was_paid_out then '' else ' (no bonus was paid)' end",
            "'; '", "order by original_month") }} as clawback_detail
    from {{ ref('int_pay_clawbacks') }}
    group by employee_id, month
),

statements as (
    select
        i.*,
        coalesce(c.clawback_amount, cast(0 as decimal(18, 2))) as clawback_amount,
        coalesce(c.clawback_events, 0) as clawback_events,
        c.clawback_original_months,
        c.clawback_detail,
        case when c.employee_id is null then 'no_clawback_event'
             when c.clawback_amount = 0 then 'bonus_unchanged_by_removed_bookings' end as clawback_reason
    from inputs i
    left join clawbacks c on c.employee_id = i.employee_id and c.month = i.month
),

totals as (
    select
        s.*,
        {# total_pay = the sum of every other line, in statement order. #}
        cast({% for line in lines if line[0] != 'total_pay' %}s.{{ line[1] }}{{ ' + ' if not loop.last }}{% endfor %}
            as decimal(18, 2)) as total_pay_amount
    from statements s
)

{% for line, amount, reason, share, basis, factor in lines %}
select
    employee_id,
    month,
    '{{ line }}' as line,
    {{ loop.index }} as line_order,
    cast({{ amount }} as decimal(18, 2)) as amount,
    {{ reason }} as reason,
    cast({{ share }} as decimal(9, 4)) as line_share,
    cast({{ basis }} as {{ type_text() }}) as line_basis,
    cast({{ factor }} as decimal(38, 10)) as line_factor,
    policy_version,
    team_id,
    job_level,
    hire_date,
    termination_date,
    first_day_employed,
    last_day_employed,
    salary_version_no,
    base_salary_full,
    days_employed,
    days_in_month,
    variable_ratio,
    base_salary_exact,
    target_variable_pay,
    bookings,
    revenue_target,
    attainment,
    payout_tier,
    payout_factor,
    new_customers_weighted,
    new_customers_target,
    receivable_due,
    collected,
    collection_rate,
    collection_target,
    attainment_score,
    new_customers_score,
    collection_score,
    left_out_components,
    quantitative_score,
    quantitative_factor,
    qualitative_score,
    capability_factor,
    csat_score,
    csat_bonus_threshold,
    evaluation_quarter,
    evaluation_version,
    clawback_events,
    clawback_original_months,
    clawback_detail
from totals
{% if not loop.last %}union all{% endif %}
{% endfor %}
