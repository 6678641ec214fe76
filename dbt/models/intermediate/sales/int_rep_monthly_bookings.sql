{#- Booking numerators per credited rep, month and the team the rep was in at close (the team rollup needs the
    team at the business date, the rep marts sum over it). -#}
select
    employee_id,
    close_month as month,
    team_id,
    sum(amount_reporting) as bookings,
    sum(case when is_new_customer then amount_reporting else 0 end) as new_customer_bookings,
    sum(case when is_strategic then amount_reporting else 0 end) as strategic_bookings,
    count(distinct opportunity_id) as won_deals
from {{ ref('int_bookings_credited') }}
where employee_id is not null
group by employee_id, close_month, team_id
