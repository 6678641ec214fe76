{#- Bookings (docs/metrics.md): won opportunities credited to the split owners by SplitPercentage where splits
    exist, else 100% to the CRM owner; team and region are the rep's on the close date (type-2 history).
    new customer, by policy_reporting.new_customer_rule in force on the close date: first_won_deal (default) =
    closed in the calendar month of the account's first won opportunity ever; opportunity_type = the CRM Type maps
    to new (source configuration opportunity_types; an unmapped Type is not new). Only deals closed by the as-of
    date are booked (known_by_as_of): a deal closing later is not known yet. -#}
{{ config(materialized='view') }}  {#- the table is fct_bookings, which publishes it: materialised once -#}
with won as (
    select * from {{ ref('int_opportunities_converted') }}
    where is_won and {{ known_by_as_of('close_date') }}
),

splits as (
    select s.opportunity_id, s.split_id, u.employee_id, s.split_owner_user_id,
        cast(s.split_percentage / 100 as decimal(9, 6)) as credit_share
    from {{ ref('stg_crm__opportunity_split') }} s
    left join {{ ref('int_crm_users_mapped') }} u on u.crm_user_id = s.split_owner_user_id
),

credits as (
    select w.opportunity_id, s.split_id, s.employee_id, s.split_owner_user_id as credited_user_id, s.credit_share
    from won w
    inner join splits s on s.opportunity_id = w.opportunity_id
    union all
    select w.opportunity_id, cast(null as {{ type_text() }}), w.owner_employee_id, w.owner_user_id,
        cast(1 as decimal(9, 6))
    from won w
    where not exists (select 1 from splits s where s.opportunity_id = w.opportunity_id)
),

first_won as (
    select account_id, min(close_date) as first_won_date
    from won
    where account_id is not null
    group by account_id
),

reporting as (
    select new_customer_rule, cast(effective_from as date) as effective_from, cast(effective_to as date) as effective_to
    from {{ ref('policy_reporting') }}
),

strategic as (
    select product_line, cast(effective_from as date) as effective_from, cast(effective_to as date) as effective_to
    from {{ ref('policy_strategic_product_lines') }}
)

select
    w.opportunity_id || '|' || coalesce(c.split_id, 'owner') as booking_credit_id,
    w.opportunity_id,
    c.split_id,
    w.account_id,
    c.employee_id,
    c.credited_user_id,
    e.team_id,
    e.region,
    w.close_date,
    w.close_month,
    w.product_line,
    w.currency,
    w.amount,
    w.fx_rate,
    w.amount_reporting as opportunity_amount_reporting,
    c.credit_share,
    cast(w.amount_reporting * c.credit_share as decimal(38, 8)) as amount_reporting,
    f.first_won_date,
    case (select max(r.new_customer_rule) from reporting r where {{ policy_in_force('r', 'w.close_date') }})
        when 'opportunity_type' then coalesce(w.opportunity_type_group = 'new', false)
        else coalesce(cast(date_trunc('month', f.first_won_date) as date) = w.close_month, false)
    end as is_new_customer,
    exists (
        select 1 from strategic s
        where s.product_line = w.product_line and w.close_date between s.effective_from and s.effective_to
    ) as is_strategic,
    w.source_file,
    w.source_sha256,
    w.source_row
from won w
inner join credits c on c.opportunity_id = w.opportunity_id
left join first_won f on f.account_id = w.account_id
left join {{ ref('int_employee_versions') }} e
    on e.employee_id = c.employee_id
    and w.close_date between e.valid_from and e.valid_to
