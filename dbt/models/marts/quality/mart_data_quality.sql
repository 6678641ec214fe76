{#- What the figures leave out or cannot show, counted (docs/metrics.md, Data quality): one row per check, also
    with a count of 0, with what it does to the figures and the setting or extract that fixes it, and the time
    zone business dates were taken in. The run summary prints the checks with a count above 0. -#}
with checks as (
    select 1 as check_order, 'leads_without_owner' as check_name,
        'left out of the reps'' lead conversion; counted in the company and lead-source rates' as consequence,
        'map the owning CRM user to an employee (HR crm_user_id) if a rep works these leads' as hint
    union all
    select 2, 'closed_deals_without_rep',
        'left out of the reps'' win rate and bookings; counted in the segment rates',
        'map the owning CRM user to an employee (HR crm_user_id)'
    union all
    select 3, 'won_deals_without_amount',
        'booked as 0: bookings, attainment and pay understate these deals',
        'fill Amount on the won opportunities in the CRM'
    union all
    select 4, 'deals_closing_after_as_of',
        'not booked: closed with a close date after the as-of date',
        'a later run (or SPM_AS_OF) books them once their close date has passed'
    union all
    select 5, 'opportunities_without_history',
        'no stage entries: the sales funnel cannot show these deals',
        'deliver the OpportunityHistory extract (crm/opportunity_history)'
    union all
    select 6, 'rep_months_without_target',
        'attainment is null and the attainment component is left out for these rep-months',
        'deliver a revenue target per rep and month (planning/targets)'
),

counted as (
    select check_name, count(*) as row_count
    from {{ ref('int_data_quality_rows') }}
    group by check_name
)

select
    cast(c.check_order as integer) as check_order,
    cast(c.check_name as {{ type_text() }}) as check_name,
    cast(coalesce(n.row_count, 0) as bigint) as row_count,
    cast(c.consequence as {{ type_text() }}) as consequence,
    cast(c.hint as {{ type_text() }}) as hint,
    cast('{{ var("timezone") }}' as {{ type_text() }}) as time_zone
from checks c
left join counted n on n.check_name = c.check_name
