{#- Opportunities with the CNY amount at the rate of the close-date month and the owner as an employee.
    amount_reporting is null when the rate is missing: the test on this model fails the build (no silent 1.0). -#}
with opportunities as (
    select * from {{ ref('stg_crm__opportunity') }}
),

fx as (
    select * from {{ ref('int_fx_rates') }}
),

users as (
    select * from {{ ref('int_crm_users_mapped') }}
),

{#- Pipeline exception (docs/sources.md, Identity): an open deal closing after the last published rate is valued
    at the latest rate of its currency. -#}
latest_fx as (
    select currency, rate_month, rate_to_reporting
    from (
        select *, row_number() over (partition by currency order by rate_month desc) as rn from fx
        where currency <> '{{ var("reporting_currency") }}'
    ) ranked
    where rn = 1
)

select
    o.opportunity_id,
    o.account_id,
    o.owner_user_id,
    u.employee_id as owner_employee_id,
    o.opportunity_name,
    o.opportunity_type,
    o.opportunity_type_group,
    o.stage_name,
    o.is_closed,
    o.is_won,
    o.close_date,
    cast(date_trunc('month', o.close_date) as date) as close_month,
    o.created_at,
    o.created_date,
    o.product_line,
    o.lead_source,
    o.currency,
    o.amount,
    coalesce(fx.rate_to_reporting, case when not o.is_closed and cast(date_trunc('month', o.close_date) as date) > lfx.rate_month
        then lfx.rate_to_reporting end) as fx_rate,
    fx.rate_to_reporting is null and not o.is_closed and cast(date_trunc('month', o.close_date) as date) > lfx.rate_month
        as is_fx_extrapolated,
    {{ money_times_rate('o.amount', "coalesce(fx.rate_to_reporting, case when not o.is_closed
        and cast(date_trunc('month', o.close_date) as date) > lfx.rate_month then lfx.rate_to_reporting end)") }}
        as amount_reporting,
    o.source_file,
    o.source_sha256,
    o.source_row
from opportunities o
left join fx
    on fx.currency = o.currency
    and fx.rate_month = cast(date_trunc('month', o.close_date) as date)
left join latest_fx lfx on lfx.currency = o.currency
left join users u on u.crm_user_id = o.owner_user_id
