{#- The AR aging panel of every dashboard page: per scope and aging bucket, the open invoices and their open balance
    at the run's as-of date (mart_ar_aging). A team's are those of its reps now (dim_sales_rep, is_current), not of
    the month's team: the balance is owed today. -#}
with aging as (
    select * from {{ ref('mart_ar_aging') }}
),

current_teams as (
    select distinct employee_id, team_id from {{ ref('dim_sales_rep') }} where is_current
),

scoped as (
    select 'company' as scope, cast(null as {{ type_text() }}) as team_id, cast(null as {{ type_text() }}) as employee_id,
        aging_bucket, count(*) as invoices, sum(open_balance) as open_balance
    from aging
    group by aging_bucket
    union all
    select 'team', r.team_id, null, a.aging_bucket, count(*), sum(a.open_balance)
    from aging a
    inner join current_teams r on r.employee_id = a.employee_id
    where r.team_id is not null
    group by r.team_id, a.aging_bucket
    union all
    select 'rep', null, employee_id, aging_bucket, count(*), sum(open_balance)
    from aging
    where employee_id is not null
    group by employee_id, aging_bucket
),

final as (
    select
        scope,
        team_id,
        employee_id,
        aging_bucket,
        cast(case aging_bucket when 'not_due' then 0 when '1-30' then 1 when '31-60' then 2 when '61-90' then 3
            when 'over_90' then 4 else 5 end as integer) as bucket_order,
        cast(invoices as bigint) as invoices,
        cast(open_balance as decimal(38, 8)) as open_balance
    from scoped
)

select * from final
