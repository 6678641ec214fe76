{#- One row per calendar month between the calendar bounds; models keep the months they need. -#}
with spine as (
    {{ dbt.date_spine('month', "cast('" ~ var('calendar_start') ~ "' as date)", "cast('" ~ var('calendar_end') ~ "' as date)") }}
)

select
    cast(date_month as date) as month,
    {{ last_day_of_month('cast(date_month as date)') }} as month_end,
    {{ quarter_label('cast(date_month as date)') }} as quarter,
    cast(extract(year from date_month) as integer) as year,
    {{ quarter_start('cast(date_month as date)') }} as quarter_start
from spine
