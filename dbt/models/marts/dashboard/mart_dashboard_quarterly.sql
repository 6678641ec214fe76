{#- The quarterly panels of every dashboard page (DSO and satisfaction), per scope and quarter:
    - DSO: the median of the reps' DSO of the quarter (mart_rep_quarterly_kpis; a team by the rep's team at quarter
      end) and how many reps have one;
    - CSAT: the mean score of the accounts answered in the quarter (mart_customer_satisfaction, one score per
      account), their responses, the accounts and those at risk, by the account's current owner (a team = its reps
      now, dim_sales_rep is_current; the company counts every account, an unowned one too).
    A scope with DSO rows but no answered account has accounts 0 and null CSAT sums, and the reverse reps_with_dso 0:
    what each aggregate gives over no rows. -#}
with rep_quarters as (
    select employee_id, team_id, quarter, dso from {{ ref('mart_rep_quarterly_kpis') }}
),

satisfaction as (
    select s.quarter, s.employee_id, r.team_id, s.csat_score, s.csat_responses, s.at_risk
    from {{ ref('mart_customer_satisfaction') }} s
    left join {{ ref('dim_sales_rep') }} r on r.employee_id = s.employee_id and r.is_current
),

dso as (
    select 'company' as scope, cast(null as {{ type_text() }}) as scope_key, quarter,
        {{ median_of('dso') }} as dso, count(dso) as reps_with_dso
    from rep_quarters
    group by quarter
    union all
    select 'team', team_id, quarter, {{ median_of('dso') }}, count(dso)
    from rep_quarters
    where team_id is not null
    group by team_id, quarter
    union all
    select 'rep', employee_id, quarter, {{ median_of('dso') }}, count(dso)
    from rep_quarters
    group by employee_id, quarter
),

csat as (
    select 'company' as scope, cast(null as {{ type_text() }}) as scope_key, quarter,
        avg(csat_score) as csat_score, sum(csat_responses) as csat_responses, count(*) as accounts,
        sum(case when at_risk then 1 else 0 end) as at_risk_accounts
    from satisfaction
    group by quarter
    union all
    select 'team', team_id, quarter, avg(csat_score), sum(csat_responses), count(*),
        sum(case when at_risk then 1 else 0 end)
    from satisfaction
    where team_id is not null
    group by team_id, quarter
    union all
    select 'rep', employee_id, quarter, avg(csat_score), sum(csat_responses), count(*),
        sum(case when at_risk then 1 else 0 end)
    from satisfaction
    where employee_id is not null
    group by employee_id, quarter
),

final as (
    select
        coalesce(d.scope, c.scope) as scope,
        case when coalesce(d.scope, c.scope) = 'team' then coalesce(d.scope_key, c.scope_key) end as team_id,
        case when coalesce(d.scope, c.scope) = 'rep' then coalesce(d.scope_key, c.scope_key) end as employee_id,
        coalesce(d.quarter, c.quarter) as quarter,
        d.dso,
        cast(coalesce(d.reps_with_dso, 0) as bigint) as reps_with_dso,
        c.csat_score,
        cast(c.csat_responses as bigint) as csat_responses,
        cast(coalesce(c.accounts, 0) as bigint) as accounts,
        cast(c.at_risk_accounts as bigint) as at_risk_accounts
    from dso d
    full outer join csat c
        on c.scope = d.scope and c.quarter = d.quarter
        and (c.scope_key = d.scope_key or (c.scope_key is null and d.scope_key is null))
)

select * from final
