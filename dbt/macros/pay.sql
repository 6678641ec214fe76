{#- Money arithmetic of the monthly pay statement (docs/pay.md), written once.

    Money is DECIMAL end to end, never a float: inputs are cast to decimal(38,10) before they are multiplied,
    every product is brought back to decimal(38,10) (a cast of a DECIMAL to a smaller scale rounds half away
    from zero in DuckDB and PostgreSQL), divisions go through pay_divide, and an amount is rounded to 0.01 CNY
    half away from zero only where it becomes a line of the statement (pay_round). -#}

{#- A value as decimal(38,10), the working precision of the pay statement. -#}
{% macro pay_decimal(expr) -%}
    cast({{ expr }} as decimal(38, 10))
{%- endmacro %}

{#- a x b at the working precision (the product of two decimal(38,10) is decimal(38,20); brought back to 10
    places before the next factor, so a chain of factors never overflows the 38 digits). -#}
{% macro pay_multiply(a, b) -%}
    cast({{ pay_decimal(a) }} * {{ pay_decimal(b) }} as decimal(38, 10))
{%- endmacro %}

{#- Product of a list of factors, left to right, each step at the working precision. -#}
{% macro pay_product(factors) -%}
    {%- set ns = namespace(expr=pay_decimal(factors[0])) -%}
    {%- for f in factors[1:] -%}
        {%- set ns.expr = pay_multiply(ns.expr, f) -%}
    {%- endfor -%}
    {{ ns.expr }}
{%- endmacro %}

{#- numerator / denominator as decimal(38,10), rounded half away from zero at the 10th place; null when the
    denominator is null or 0. DuckDB divides DECIMALs as DOUBLE, so there the quotient is taken in 128-bit
    integers (both sides scaled to integers at 10 places, then q = round(N x 10^10 / D)). -#}
{% macro pay_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('pay_divide')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__pay_divide(numerator, denominator) -%}
    cast({{ pay_decimal(numerator) }} / nullif({{ pay_decimal(denominator) }}, 0) as decimal(38, 10))
{%- endmacro %}

{% macro duckdb__pay_divide(numerator, denominator) -%}
    {%- set n = 'cast(' ~ pay_decimal(numerator) ~ ' * 10000000000 as hugeint)' -%}
    {%- set d = 'cast(' ~ pay_decimal(denominator) ~ ' * 10000000000 as hugeint)' -%}
    (case when {{ d }} <> 0 then
        cast(sign({{ n }}) * sign({{ d }})
            * ((2 * abs({{ n }}) * 10000000000 + abs({{ d }})) // (2 * abs({{ d }}))) as hugeint)
        * cast(0.0000000001 as decimal(11, 10))
    end)
{%- endmacro %}

{#- An amount as a statement line: rounded to 0.01 CNY, half away from zero, as decimal(18,2). -#}
{% macro pay_round(expr) -%}
    cast(round({{ pay_decimal(expr) }}, 2) as decimal(18, 2))
{%- endmacro %}

{#- clamp(x, low, high) at the working precision; null stays null (greatest/least skip nulls). -#}
{% macro pay_clamp(expr, low, high) -%}
    (case when {{ expr }} is not null then
        least(greatest({{ pay_decimal(expr) }}, {{ pay_decimal(low) }}), {{ pay_decimal(high) }}) end)
{%- endmacro %}

{#- The policy version a statement used: the common version when all policy tables agree, else each named. -#}
{% macro pay_policy_version(named_versions) -%}
    case when {% for name, col in named_versions %}{{ col }} = {{ named_versions[0][1] }}{% if not loop.last %} and {% endif %}{% endfor %}
        then {{ named_versions[0][1] }}
        else {% for name, col in named_versions %}'{{ name }}=' || coalesce({{ col }}, '?'){% if not loop.last %} || ';' || {% endif %}{% endfor %}
    end
{%- endmacro %}

{#- The pay statement's lines in statement order, written once: int_pay_statement_lines builds one row per entry and
    the data tests count them. Each entry is (line, amount column, reason, share of the basis, basis, factor) of
    int_pay_statement_lines' inputs: amount = round(share x basis x factor) for the four variable lines;
    base_salary, clawback and total_pay are not a share of a basis. -#}
{% macro pay_line_specs() -%}
    {{ return([
        ('base_salary', 'base_salary_amount', 'cast(null as ' ~ type_text() ~ ')', 'null', 'null', 'null'),
        ('base_performance_pay', 'base_performance_pay_amount', 'base_performance_pay_reason',
            'base_performance_share', "'target_variable_pay'", 'quantitative_factor'),
        ('performance_bonus', 'performance_bonus_amount', 'performance_bonus_reason',
            'performance_bonus_share', "'target_variable_pay'", 'payout_factor'),
        ('capability_bonus', 'capability_bonus_amount', 'capability_bonus_reason',
            'capability_share', "'target_variable_pay'", 'capability_factor'),
        ('csat_bonus', 'csat_bonus_amount', 'csat_bonus_reason',
            'csat_bonus_rate', "'base_salary'", 'case when is_csat_bonus_eligible then 1 else 0 end'),
        ('clawback', 'clawback_amount', 'clawback_reason', 'null', 'null', 'null'),
        ('total_pay', 'total_pay_amount', 'cast(null as ' ~ type_text() ~ ')', 'null', 'null', 'null'),
    ]) }}
{%- endmacro %}

{#- The line names alone, in statement order (the mart's accepted values and the explain/export order). -#}
{% macro pay_lines() -%}
    {%- set names = [] -%}
    {%- for spec in pay_line_specs() -%}{%- do names.append(spec[0]) -%}{%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- Payout factor of policy_payout_tiers for an attainment, from the tier rows in force on a date (scoring.sql's
    in_tier and tier_factor); null when the attainment is null (no revenue target) or falls in no tier. -#}
{% macro pay_payout_factor(attainment, date_expr, tiers_relation) -%}
    {{ return(adapter.dispatch('pay_payout_factor')(attainment, date_expr, tiers_relation)) }}
{%- endmacro %}

{% macro default__pay_payout_factor(attainment, date_expr, tiers_relation) -%}
    (select {{ pay_decimal(tier_factor(attainment, 'pt')) }}
     from {{ tiers_relation }} pt
     where {{ policy_in_force('pt', date_expr) }} and {{ in_tier(attainment, 'pt') }})
{%- endmacro %}

{#- Spark refuses a correlated subquery whose value mixes outer (attainment) and inner columns, and its plans
    grow past the driver's memory when several are inlined. There the tier rows are read once, uncorrelated, as
    an array, and the tier in force is picked with filter() (null when none; the first if tiers overlapped,
    which the DuckDB and PostgreSQL lanes would report as an error). -#}
{% macro spark_tier_in_force(attainment, date_expr, tiers_relation, value_expr) -%}
    element_at(transform(filter(
        (select collect_list(struct(pt.tier, pt.lower_bound, pt.lower_inclusive, pt.upper_bound, pt.upper_inclusive,
            pt.factor_at_lower, pt.slope, pt.factor_cap, pt.effective_from, pt.effective_to)) from {{ tiers_relation }} pt),
        t -> {{ policy_in_force('t', date_expr) }} and {{ in_tier(attainment, 't') }}),
        t -> {{ value_expr }}), 1)
{%- endmacro %}

{% macro spark__pay_payout_factor(attainment, date_expr, tiers_relation) -%}
    {{ spark_tier_in_force(attainment, date_expr, tiers_relation, pay_decimal(tier_factor(attainment, 't'))) }}
{%- endmacro %}

{#- The tier name the attainment falls in (shown on the statement beside the factor). -#}
{% macro pay_payout_tier(attainment, date_expr, tiers_relation) -%}
    {{ return(adapter.dispatch('pay_payout_tier')(attainment, date_expr, tiers_relation)) }}
{%- endmacro %}

{% macro default__pay_payout_tier(attainment, date_expr, tiers_relation) -%}
    (select pt.tier
     from {{ tiers_relation }} pt
     where {{ policy_in_force('pt', date_expr) }} and {{ in_tier(attainment, 'pt') }})
{%- endmacro %}

{% macro spark__pay_payout_tier(attainment, date_expr, tiers_relation) -%}
    {{ spark_tier_in_force(attainment, date_expr, tiers_relation, 't.tier') }}
{%- endmacro %}

{#- performance_bonus = share x V x payout factor, rounded as a line; 0 without a factor (no revenue target). -#}
{% macro pay_performance_bonus(share, target_variable_pay, payout_factor) -%}
    coalesce({{ pay_round(pay_product([share, target_variable_pay, payout_factor])) }}, cast(0 as decimal(18, 2)))
{%- endmacro %}

{#- Data test: total_pay equals the sum of the other lines of its statement, to the cent. -#}
{% test pay_total_equals_sum_of_lines(model) %}
select employee_id, month,
    sum(case when line = 'total_pay' then amount else 0 end) as total_pay,
    sum(case when line <> 'total_pay' then amount else 0 end) as sum_of_lines
from {{ model }}
group by employee_id, month
having sum(case when line = 'total_pay' then amount else 0 end)
    <> sum(case when line <> 'total_pay' then amount else 0 end)
    or sum(case when line = 'total_pay' then 1 else 0 end) <> 1
{% endtest %}

{#- Data test: every statement has each of the seven lines exactly once, and at most one line per incentive
    programme (docs/incentives.md), nothing else. -#}
{% test pay_statement_has_every_line(model) %}
select employee_id, month, count(*) as lines, count(distinct line) as distinct_lines
from {{ model }}
group by employee_id, month
having count(*) <> count(distinct line)
    or sum(case when line in ('{{ pay_lines() | join("', '") }}') then 1 else 0 end) <> {{ pay_lines() | length }}
    or sum(case when line in ('{{ pay_lines() | join("', '") }}', '{{ incentive_programmes() | join("', '") }}')
        then 0 else 1 end) <> 0
{% endtest %}

{#- Data test: every rep-month of the KPI spine whose salary version has a job level with a variable ratio
    (the sales roles) has a statement, re-derived from the HR history rather than from the pay models. -#}
{% test pay_every_employed_rep_has_a_statement(model) %}
with due as (
    select m.employee_id, m.month
    from {{ ref('int_rep_months') }} m
    inner join {{ ref('int_employee_versions') }} v
        on v.employee_id = m.employee_id and m.reference_date between v.valid_from and v.valid_to
    inner join {{ ref('policy_variable_pay') }} p
        on p.job_level = v.job_level and {{ policy_in_force('p', 'm.month_end') }}
)
select d.employee_id, d.month
from due d
where not exists (select 1 from {{ model }} s where s.employee_id = d.employee_id and s.month = d.month)
{% endtest %}
