{#- Won opportunities in CNY, one row per credited rep (split owners, else the CRM owner). -#}
select
    booking_credit_id,
    opportunity_id,
    split_id,
    account_id,
    employee_id,
    team_id,
    region,
    close_date,
    close_month,
    product_line,
    currency,
    amount,
    fx_rate,
    opportunity_amount_reporting,
    credit_share,
    amount_reporting,
    is_new_customer,
    is_strategic,
    source_file,
    source_sha256,
    source_row
from {{ ref('int_bookings_credited') }}
