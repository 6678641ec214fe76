{#- Certification allowance (docs/incentives.md): every statement month after the month a rep passed a
    certification (HR training extract, `certification` column), the monthly_amount of the highest level held
    (policy_certification_allowance: a certification matching certification_pattern holds that level). Not
    prorated. Policy rows in force on the month's last day; nothing without a training extract. -#}
with rep_months as (
    select employee_id, month, month_end from {{ ref('int_pay_rep_months') }}
),

certifications as (
    select training_id, employee_id, certification, completed_date
    from {{ ref('stg_hr__training') }}
    where passed and certification is not null and completed_date is not null
),

programme as (
    select * from {{ ref('policy_incentive_programmes') }}
    where programme = 'certification_allowance' and is_enabled
),

rules as (
    select * from {{ ref('policy_certification_allowance') }}
),

held as (
    select
        m.employee_id,
        m.month,
        m.month_end,
        c.training_id,
        c.certification,
        c.completed_date,
        r.rule_id,
        r.level,
        r.monthly_amount,
        r.policy_version,
        row_number() over (partition by m.employee_id, m.month
            order by r.monthly_amount desc, c.completed_date, c.training_id) as rn
    from rep_months m
    inner join certifications c
        on c.employee_id = m.employee_id and c.completed_date < m.month
    inner join rules r
        on {{ policy_in_force('r', 'm.month_end') }} and c.certification like r.certification_pattern
    inner join programme p on {{ policy_in_force('p', 'm.month_end') }}
),

final as (
    select
        employee_id,
        'certification_allowance' as programme,
        rule_id,
        cast(month as {{ type_text() }}) as period_key,
        cast(month_end as date) as period_end,
        cast(month as date) as paid_month,
        {{ pay_decimal('monthly_amount') }} as base_amount,
        {{ pay_decimal(1) }} as factor,
        {{ pay_round('monthly_amount') }} as amount,
        'level ' || level || ' held since ' || cast(completed_date as {{ type_text() }}) || ' (' || training_id
            || ' ' || certification || '): monthly allowance ' || cast(monthly_amount as {{ type_text() }})
            as calculation,
        policy_version,
        training_id
    from held
    where rn = 1
)

select * from final
