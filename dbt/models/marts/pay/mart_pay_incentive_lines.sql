{#- The incentive programmes as pay lines (docs/incentives.md): one row per employee, programme, rule and period
    (quarter, year, deal or month) with the month it is paid in, the rule (rule_id of the policy seed), base x
    factor = amount (CNY, rounded to 0.01 half away from zero once, here), the calculation in words and whether
    the rep has a statement that month (has_statement: a programme paid in a month without a statement, e.g.
    after leaving, is kept here and not paid). mart_pay_statement sums them per programme into one line each;
    audit_payout_lineage lists the source rows behind each. Every programme is off by default
    (policy_incentive_programmes), so this table is then empty and the statements are those of the 40/50/10 plan.
    A negative row is a clawback of a deal-based payment (int_incentive_clawbacks): on the statement it adds to
    the clawback line. The quarterly ranking, special-project, high-value, certification and commission rules are
    the intermediate
    models int_incentive_*; the annual bonus and the team bonus pool are computed here because they read the annual
    evaluation and the team scorecard, which are marts. -#}
{%- set programmes = incentive_programmes() -%}
with programmes as (
    select * from {{ ref('policy_incentive_programmes') }}
),

rep_months as (
    select * from {{ ref('int_pay_rep_months') }}
),

published_quarters as (
    select quarter, count(*) as published_rows
    from {{ ref('int_quarterly_evaluation_versions') }}
    where status = 'published' and is_latest
    group by quarter
),

{#- Annual bonus: multiplier of the annual grade x bonus base (bonus_base_months x base monthly salary of the
    December statement), to reps employed on the year's last day, once all four quarters of the year are
    published (the annual review then reads only published grades); paid in January of the next year. -#}
published_years as (
    select cast(substr(quarter, 1, 4) as integer) as year
    from published_quarters
    group by cast(substr(quarter, 1, 4) as integer)
    having count(*) = 4
),

annual as (
    select
        a.employee_id,
        'annual_bonus' as programme,
        r.rule_id,
        cast(a.year as {{ type_text() }}) as period_key,
        m.month_end as period_end,
        cast({{ dbt.dateadd('month', 1, 'm.month') }} as date) as paid_month,
        {{ pay_product(['m.base_salary_full', 'r.bonus_base_months']) }} as base_amount,
        {{ pay_decimal('r.multiplier') }} as factor,
        {{ pay_round(pay_product(['m.base_salary_full', 'r.bonus_base_months', 'r.multiplier'])) }} as amount,
        'annual grade ' || a.grade || ' of ' || cast(a.year as {{ type_text() }}) || ' (rank '
            || cast(a.rank as {{ type_text() }}) || ' of ' || cast(a.graded_reps as {{ type_text() }})
            || '): multiplier ' || cast(r.multiplier as {{ type_text() }}) || ' x bonus base '
            || cast(r.bonus_base_months as {{ type_text() }}) || ' x monthly salary '
            || cast(m.base_salary_full as {{ type_text() }}) as calculation,
        r.policy_version
    from {{ ref('mart_annual_evaluation') }} a
    inner join published_years y on y.year = a.year
    inner join rep_months m
        on m.employee_id = a.employee_id
        and m.month = cast(cast(a.year as {{ type_text() }}) || '-12-01' as date)
        and m.last_day_employed = m.month_end
    inner join programmes p
        on p.programme = 'annual_bonus' and p.is_enabled and {{ policy_in_force('p', 'm.month_end') }}
    inner join {{ ref('policy_annual_bonus') }} r
        on r.grade = a.grade and {{ policy_in_force('r', 'm.month_end') }}
    where a.grade is not null and r.multiplier > 0
),

{#- Team bonus pool: a team at or above its quarterly target (sum of the members' targets) in a published quarter
    gets a pool (fixed, or pool_rate x (bookings - target)), split over the members employed on the quarter's last
    day by their share of those members' bookings (equal shares when they booked nothing) or equally; paid in the
    month after the quarter. -#}
team_members as (
    select
        k.team_id,
        k.quarter,
        k.employee_id,
        k.bookings
    from {{ ref('int_rep_quarterly_kpis') }} k
    inner join rep_months m
        on m.employee_id = k.employee_id
        and m.month_end = k.quarter_end
        and m.last_day_employed = m.month_end
    where k.team_id is not null
),

member_totals as (
    select team_id, quarter, count(*) as paid_members, sum(bookings) as paid_members_bookings
    from team_members
    group by team_id, quarter
),

team_pools as (
    select
        t.team_id,
        t.quarter,
        t.quarter_end,
        t.bookings,
        t.revenue_target,
        r.rule_id,
        r.pool_rule,
        r.split_rule,
        r.policy_version,
        case r.pool_rule
            when 'fixed' then {{ pay_decimal('r.pool_amount') }}
            when 'excess_share' then {{ pay_product(['t.bookings - t.revenue_target', 'r.pool_rate']) }}
        end as pool
    from {{ ref('mart_team_quarterly_evaluation') }} t
    inner join published_quarters q on q.quarter = t.quarter
    inner join programmes p
        on p.programme = 'team_bonus' and p.is_enabled and {{ policy_in_force('p', 't.quarter_end') }}
    inner join {{ ref('policy_team_bonus') }} r on {{ policy_in_force('r', 't.quarter_end') }}
    where t.is_above_target
),

team_shares as (
    select
        tm.employee_id,
        tp.*,
        mt.paid_members,
        case when tp.split_rule = 'bookings_share' and mt.paid_members_bookings > 0
            then {{ pay_divide('tm.bookings', 'mt.paid_members_bookings') }}
            else {{ pay_divide(1, 'mt.paid_members') }}
        end as member_share
    from team_pools tp
    inner join team_members tm on tm.team_id = tp.team_id and tm.quarter = tp.quarter
    inner join member_totals mt on mt.team_id = tp.team_id and mt.quarter = tp.quarter
),

team as (
    select
        employee_id,
        'team_bonus' as programme,
        rule_id,
        quarter || '|' || team_id as period_key,
        cast(quarter_end as date) as period_end,
        cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'quarter_end')) }} as date) as paid_month,
        pool as base_amount,
        member_share as factor,
        {{ pay_round(pay_product(['pool', 'member_share'])) }} as amount,
        'team ' || team_id || ' ' || quarter || ': bookings ' || cast(cast(bookings as decimal(18, 2)) as {{ type_text() }})
            || ' >= target ' || cast(revenue_target as {{ type_text() }}) || '; pool (' || pool_rule || ') '
            || cast(cast(pool as decimal(18, 2)) as {{ type_text() }}) || ' x ' || split_rule || ' '
            || cast(cast(member_share as decimal(18, 6)) as {{ type_text() }}) || ' of '
            || cast(paid_members as {{ type_text() }}) || ' members employed at quarter end' as calculation,
        policy_version
    from team_shares
    where pool > 0
),

unioned as (
    {% for p in programmes %}
    {% if p == 'annual_bonus' %}
    select * from annual
    {% elif p == 'team_bonus' %}
    select * from team
    {% else %}
    select employee_id, programme, rule_id, period_key, period_end, paid_month, base_amount, factor, amount,
        calculation, policy_version
    from {{ ref('int_incentive_' ~ p) }}
    {% endif %}
    union all
    {% endfor %}
    select employee_id, programme, rule_id, period_key, period_end, paid_month, base_amount, factor, amount,
        calculation, policy_version
    from {{ ref('int_incentive_clawbacks') }}
),

final as (
    select
        u.employee_id,
        u.paid_month,
        u.programme,
        cast(case u.programme
            {% for p in programmes %}when '{{ p }}' then {{ 7 + loop.index }}
            {% endfor %}end as integer) as line_order,
        u.rule_id,
        u.period_key,
        cast(u.period_end as date) as period_end,
        cast(u.base_amount as decimal(38, 10)) as base_amount,
        cast(u.factor as decimal(38, 10)) as factor,
        cast(u.amount as decimal(18, 2)) as amount,
        u.calculation,
        u.policy_version,
        cast(m.employee_id is not null as boolean) as has_statement
    from unioned u
    left join rep_months m on m.employee_id = u.employee_id and m.month = u.paid_month
    where u.amount <> 0
)

select * from final
