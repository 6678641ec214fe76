{#- The working-day calendar (seed calendar_cn_working_days, docs/service.md) with each date's running count of
    working days: "the Nth working day after D" is the working day whose number is D's number + N, so holidays and
    make-up working days count the way the State Council's notice sets them. -#}
select
    cast(calendar_date as date) as calendar_date,
    is_working_day,
    day_kind,
    holiday_name,
    cast(sum(case when is_working_day then 1 else 0 end) over (
        order by calendar_date rows between unbounded preceding and current row
    ) as integer) as working_day_number
from {{ ref('calendar_cn_working_days') }}
