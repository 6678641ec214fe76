{#- The new-customers panel of every dashboard page: per scope, month and tier, the customers developed (first won)
    in the month and their tier weight (dim_customer). A rep's are the ones the rep developed; a team's those of the
    reps in its KPIs of that month (mart_rep_monthly_kpis), the company's every one. A customer without a tier counts
    as tier 'unknown'. -#}
with developed as (
    select developed_by_employee_id as employee_id, developed_month as month, coalesce(tier, 'unknown') as tier,
        developed_tier_weight
    from {{ ref('dim_customer') }}
    where developed_month is not null
),

month_teams as (
    select distinct employee_id, team_id, month from {{ ref('mart_rep_monthly_kpis') }}
),

scoped as (
    select 'company' as scope, cast(null as {{ type_text() }}) as team_id, cast(null as {{ type_text() }}) as employee_id,
        month, tier, count(*) as accounts, sum(developed_tier_weight) as weighted
    from developed
    group by month, tier
    union all
    select 'team', k.team_id, null, d.month, d.tier, count(*), sum(d.developed_tier_weight)
    from developed d
    inner join month_teams k on k.employee_id = d.employee_id and k.month = d.month
    where k.team_id is not null
    group by k.team_id, d.month, d.tier
    union all
    select 'rep', null, employee_id, month, tier, count(*), sum(developed_tier_weight)
    from developed
    where employee_id is not null
    group by employee_id, month, tier
),

final as (
    select
        scope,
        team_id,
        employee_id,
        month,
        cast(tier as {{ type_text() }}) as tier,
        cast(accounts as bigint) as accounts,
        weighted
    from scoped
)

select * from final
