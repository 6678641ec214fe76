{#- One row per current CRM account: tier, owner, customer number, first won date, development and lifetime value.
    Formulas live in the intermediate customer models; this only assembles. -#}
with accounts as (
    select * from {{ ref('int_accounts_owned') }}
),

first_won as (
    select account_id, min(first_won_date) as first_won_date
    from {{ ref('int_bookings_credited') }}
    where account_id is not null
    group by account_id
),

developed as (
    select * from {{ ref('int_accounts_developed') }}
),

lifetime_value as (
    select * from {{ ref('int_customer_lifetime_value') }}
),

final as (
    select
        a.account_id,
        a.account_name,
        a.customer_number,
        a.tier,
        a.tier_key,
        a.industry,
        a.account_type,
        a.owner_user_id,
        a.owner_employee_id,
        fw.first_won_date,
        d.developed_date,
        d.developed_month,
        d.developed_by_employee_id,
        d.developed_opportunity_id,
        d.tier_weight as developed_tier_weight,
        lv.clv_to_date,
        lv.covered_years,
        lv.average_annual_bookings,
        lv.expected_lifetime_years,
        lv.expected_clv
    from accounts a
    left join first_won fw on fw.account_id = a.account_id
    left join developed d on d.account_id = a.account_id
    left join lifetime_value lv on lv.account_id = a.account_id
)

select * from final
