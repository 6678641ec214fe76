{#- One row per calendar month the data covers (int_data_months), extended to the as-of month. The date spine is
    only a month generator (1900-2199); the bounds come from the data, so history of any age is kept and no
    fixed calendar_start can cut it off. -#}
with spine as (
    {{ dbt.date_spine('month', "cast('1900-01-01' as date)", "cast('2200-01-01' as date)") }}
),

bounds as (
    select
        d.first_month,
        case when a.as_of_date is not null and cast(date_trunc('month', a.as_of_date) as date) > d.last_month
            then cast(date_trunc('month', a.as_of_date) as date) else d.last_month end as last_month
    from {{ ref('int_data_months') }} d
    cross join {{ ref('int_run_as_of') }} a
)

select
    cast(date_month as date) as month,
    cast({{ dbt.last_day('cast(date_month as date)', 'month') }} as date) as month_end,
    {{ quarter_label('cast(date_month as date)') }} as quarter,
    cast(extract(year from date_month) as integer) as year,
    cast(date_trunc('quarter', cast(date_month as date)) as date) as quarter_start
from spine
cross join bounds
where cast(date_month as date) between bounds.first_month and bounds.last_month
