{#- Customer lifetime value (docs/metrics.md) per current account: clv_to_date = Σ its won bookings ever up to the as-of
    date in CNY (full opportunity amount, whatever the splits); covered_years = days covered by its contracts up to
    the as-of date / 365.25; expected_clv = clv_to_date / covered_years × expected lifetime (company trailing
    4-quarter retention); null when covered_years is 0 or the expected lifetime is unknown. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

accounts as (
    select account_id from {{ ref('int_accounts_owned') }}
),

bookings as (
    select o.account_id, sum(o.amount_reporting) as clv_to_date, cast(count(*) as integer) as won_opportunities
    from {{ ref('int_opportunities_converted') }} o
    cross join as_of
    where o.is_won and o.account_id is not null and o.close_date <= as_of.as_of_date
    group by o.account_id
),

coverage as (
    select
        s.account_id,
        sum({{ dbt.datediff('s.span_start', 'least(s.span_end, as_of.as_of_date)', 'day') }} + 1) as covered_days
    from {{ ref('int_account_coverage_spans') }} s
    cross join as_of
    where s.span_start <= as_of.as_of_date
    group by s.account_id
),

lifetime as (
    select retention_rate, expected_lifetime_years from {{ ref('int_company_retention_trailing') }}
),

measured as (
    select
        a.account_id,
        cast(coalesce(b.clv_to_date, 0) as decimal(38, 8)) as clv_to_date,
        coalesce(b.won_opportunities, 0) as won_opportunities,
        cast(coalesce(c.covered_days, 0) as integer) as covered_days,
        (cast(coalesce(c.covered_days, 0) as {{ type_double() }}) / 365.25) as covered_years,
        l.retention_rate as company_retention_rate,
        l.expected_lifetime_years
    from accounts a
    cross join lifetime l
    left join bookings b on b.account_id = a.account_id
    left join coverage c on c.account_id = a.account_id
),

final as (
    select
        account_id,
        clv_to_date,
        won_opportunities,
        covered_days,
        covered_years,
        {{ safe_ratio('clv_to_date', 'covered_years') }} as average_annual_bookings,
        company_retention_rate,
        expected_lifetime_years,
        {{ safe_ratio('clv_to_date', 'covered_years') }} * expected_lifetime_years as expected_clv
    from measured
)

select * from final
