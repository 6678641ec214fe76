{#- Every input of a rep's monthly pay statement and the five lines computed from them (docs/pay.md);
    the clawback and total_pay lines are added in int_pay_statement_lines. One row per rep and
    month of int_pay_rep_months. Policy rows are those in force on the month's last day.

    - base_salary = base_monthly_salary x days employed / days in month; V = base_salary x variable ratio.
    - base_performance_pay = 0.40 x V x clamp(monthly quantitative score / 100, 0, 1.2), the score being the
      rescaled weighted score (scoring.sql) over attainment (bookings / revenue_target), new_customers
      (new_customers_weighted / new_customers_target) and collection (collection_rate / collection_target).
    - performance_bonus = 0.50 x V x payout factor of policy_payout_tiers at the monthly attainment; no revenue
      target -> factor null, bonus 0.
    - capability_bonus = 0.10 x V x clamp(qualitative_score / 100, 0, 1.2) of the latest published quarter that
      ended before the month (status published, is_latest); the new-hire factor 1.0 when there is none.
    - csat_bonus = 0.05 x base_salary when that quarter's csat_score (satisfaction_actual) >= 90.
    Money stays DECIMAL (pay.sql); each amount is rounded to 0.01 half away from zero only as a line. -#}
{%- set components = monthly_pay_components('k.') -%}
with rep_months as (
    select * from {{ ref('int_pay_rep_months') }}
),

kpis as (
    select * from {{ ref('int_rep_monthly_kpis') }}
),

component_policy as (
    select * from {{ ref('policy_evaluation_components') }}
),

tiers as (
    select * from {{ ref('policy_payout_tiers') }}
),

pay_mix as (
    select * from {{ ref('policy_pay_mix') }}
),

published_quarters as (
    select employee_id, quarter, quarter_end, version, qualitative_score, satisfaction_actual, policy_version
    from {{ ref('int_quarterly_evaluation_versions') }}
    where status = 'published' and is_latest
),

{#- The monthly quantitative score: one row per rep, month and component, scored with scoring.sql. -#}
component_actuals as (
    {% for name, actual, target in components %}
    select
        r.employee_id,
        r.month,
        r.month_end,
        '{{ name }}' as component,
        cast({{ actual }} as {{ type_double() }}) as actual,
        cast({{ target }} as {{ type_double() }}) as kpi_target
    from rep_months r
    left join kpis k on k.employee_id = r.employee_id and k.month = r.month
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

component_scores as (
    select
        a.employee_id,
        a.month,
        a.component,
        p.weight,
        p.policy_version,
        {{ component_included('a.actual', 'coalesce(cast(p.policy_target as ' ~ type_double() ~ '), a.kpi_target)') }}
            as is_included,
        {{ component_score('a.actual', 'coalesce(cast(p.policy_target as ' ~ type_double() ~ '), a.kpi_target)',
            'p.score_floor', 'p.score_cap') }} as score
    from component_actuals a
    inner join component_policy p on p.component = a.component and {{ policy_in_force('p', 'a.month_end') }}
),

quantitative as (
    select
        employee_id,
        month,
        {{ rescaled_weighted_score('weight', 'score', 'is_included') }} as quantitative_score,
        {% for name, actual, target in components %}
        max(case when component = '{{ name }}' then score end) as {{ name }}_score,
        {% endfor %}
        {{ dbt.listagg("case when not is_included then component end", "','", "order by component") }}
            as left_out_components,
        max(policy_version) as component_policy_version
    from component_scores
    group by employee_id, month
),

capability as (
    select *
    from (
        select
            r.employee_id,
            r.month,
            q.quarter,
            q.version,
            q.qualitative_score,
            q.satisfaction_actual,
            row_number() over (partition by r.employee_id, r.month order by q.quarter_end desc, q.version desc)
                as quarter_rank
        from rep_months r
        inner join published_quarters q on q.employee_id = r.employee_id and q.quarter_end < r.month
    ) ranked
    where quarter_rank = 1
),

inputs as (
    select
        r.employee_id,
        r.month,
        r.month_end,
        r.quarter,
        r.team_id,
        r.job_level,
        r.hire_date,
        r.termination_date,
        r.first_day_employed,
        r.last_day_employed,
        r.days_employed,
        r.days_in_month,
        r.reference_date,
        r.salary_version_no,
        r.base_salary_full,
        r.variable_ratio,
        {{ pay_divide('r.base_salary_full * r.days_employed', 'r.days_in_month') }} as base_salary_exact,
        cast(coalesce(k.bookings, 0) as decimal(38, 8)) as bookings,
        cast(k.revenue_target as decimal(18, 2)) as revenue_target,
        {{ attainment('coalesce(k.bookings, 0)', 'k.revenue_target', exact=true) }} as attainment,
        cast(k.new_customers_weighted as decimal(18, 4)) as new_customers_weighted,
        cast(k.new_customers_target as decimal(18, 2)) as new_customers_target,
        k.receivable_due,
        k.collected,
        k.collection_rate,
        k.collection_target,
        qs.attainment_score,
        qs.new_customers_score,
        qs.collection_score,
        qs.left_out_components,
        {{ pay_decimal('qs.quantitative_score') }} as quantitative_score,
        c.quarter as evaluation_quarter,
        c.version as evaluation_version,
        {{ pay_decimal('c.qualitative_score') }} as qualitative_score,
        {{ pay_decimal('c.satisfaction_actual') }} as csat_score,
        m.base_performance_share,
        m.performance_bonus_share,
        m.capability_share,
        m.csat_bonus_rate,
        m.csat_bonus_threshold,
        m.score_cap_ratio,
        m.new_hire_capability_factor,
        r.variable_pay_policy_version,
        m.policy_version as pay_mix_policy_version,
        qs.component_policy_version,
        (select max(pt.policy_version) from tiers pt where {{ policy_in_force('pt', 'r.month_end') }})
            as payout_tiers_policy_version
    from rep_months r
    left join kpis k on k.employee_id = r.employee_id and k.month = r.month
    left join quantitative qs on qs.employee_id = r.employee_id and qs.month = r.month
    left join capability c on c.employee_id = r.employee_id and c.month = r.month
    left join pay_mix m on {{ policy_in_force('m', 'r.month_end') }}
),

factors as (
    select
        i.*,
        {{ pay_multiply('i.base_salary_exact', 'i.variable_ratio') }} as target_variable_pay,
        {{ pay_clamp(pay_divide('i.quantitative_score', 100), 0, 'i.score_cap_ratio') }} as quantitative_factor,
        {{ pay_payout_factor('i.attainment', 'i.month_end', 'tiers') }} as payout_factor,
        {{ pay_payout_tier('i.attainment', 'i.month_end', 'tiers') }} as payout_tier,
        case when i.evaluation_quarter is not null and i.qualitative_score is not null
            then {{ pay_clamp(pay_divide('i.qualitative_score', 100), 0, 'i.score_cap_ratio') }}
            else {{ pay_decimal('i.new_hire_capability_factor') }}
        end as capability_factor,
        coalesce(i.csat_score >= i.csat_bonus_threshold, false) as is_csat_bonus_eligible
    from inputs i
),

final as (
    select
        f.*,
        {{ pay_round('f.base_salary_exact') }} as base_salary_amount,
        coalesce({{ pay_round(pay_product(['f.base_performance_share', 'f.target_variable_pay',
            'f.quantitative_factor'])) }}, cast(0 as decimal(18, 2))) as base_performance_pay_amount,
        {{ pay_performance_bonus('f.performance_bonus_share', 'f.target_variable_pay', 'f.payout_factor') }}
            as performance_bonus_amount,
        {{ pay_round(pay_product(['f.capability_share', 'f.target_variable_pay', 'f.capability_factor'])) }}
            as capability_bonus_amount,
        case when f.is_csat_bonus_eligible
            then {{ pay_round(pay_product(['f.csat_bonus_rate', 'f.base_salary_exact'])) }}
            else cast(0 as decimal(18, 2)) end as csat_bonus_amount,
        case when f.quantitative_score is null then 'no_quantitative_inputs'
             when f.quantitative_factor = 0 then 'quantitative_score_zero' end as base_performance_pay_reason,
        case when f.revenue_target is null or f.revenue_target = 0 then 'no_revenue_target'
             when f.payout_factor is null then 'no_payout_tier'
             when f.payout_factor = 0 then 'below_threshold' end as performance_bonus_reason,
        case when f.evaluation_quarter is null then 'no_published_quarter'
             when f.qualitative_score is null then 'no_qualitative_score' end as capability_bonus_reason,
        case when f.evaluation_quarter is null then 'no_published_quarter'
             when f.csat_score is null then 'no_csat_score'
             when not f.is_csat_bonus_eligible then 'csat_below_threshold' end as csat_bonus_reason,
        {{ pay_policy_version([('variable_pay', 'f.variable_pay_policy_version'),
            ('pay_mix', 'f.pay_mix_policy_version'), ('payout_tiers', 'f.payout_tiers_policy_version'),
            ('components', 'f.component_policy_version')]) }} as policy_version
    from factors f
)

select * from final
