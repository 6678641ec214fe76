{#- Average deal size (客单价) and per-capita output (人均单产) per month, for the company and each team.
    average_deal_size = bookings / won_deals, where bookings are the credited CNY amounts (as in the KPI marts)
    and won_deals the distinct won opportunities credited to the scope: a deal split across two teams counts once
    in each team and once for the company. per_capita_bookings = bookings / reps, reps = the rep-months of the
    scope in mart_rep_monthly_kpis (each rep counted in the team of month end). Bookings go to the team at close
    (as mart_team_monthly_kpis). The company counts every won deal, also one whose owner is no employee (counted in
    mart_data_quality as closed_deals_without_rep); a team only its reps' credits. Null on a zero denominator.
    The formulas are held here (no intermediate copy). -#}
with credits as (
    select * from {{ ref('int_bookings_credited') }}
),

rep_months as (
    select employee_id, month, team_id from {{ ref('int_rep_monthly_kpis') }}
),

company_deals as (
    select close_month as month, sum(amount_reporting) as bookings, count(distinct opportunity_id) as won_deals
    from credits
    group by close_month
),

team_deals as (
    select team_id, close_month as month, sum(amount_reporting) as bookings, count(distinct opportunity_id) as won_deals
    from credits
    where team_id is not null and employee_id is not null
    group by team_id, close_month
),

company_reps as (
    select month, count(*) as reps from rep_months group by month
),

team_reps as (
    select team_id, month, count(*) as reps from rep_months where team_id is not null group by team_id, month
),

company as (
    select
        'company' as scope,
        cast(null as {{ type_text() }}) as team_id,
        coalesce(r.month, d.month) as month,
        coalesce(r.reps, 0) as reps,
        coalesce(d.bookings, 0) as bookings,
        coalesce(d.won_deals, 0) as won_deals
    from company_reps r
    full outer join company_deals d on d.month = r.month
),

teams as (
    select
        'team' as scope,
        coalesce(r.team_id, d.team_id) as team_id,
        coalesce(r.month, d.month) as month,
        coalesce(r.reps, 0) as reps,
        coalesce(d.bookings, 0) as bookings,
        coalesce(d.won_deals, 0) as won_deals
    from team_reps r
    full outer join team_deals d on d.team_id = r.team_id and d.month = r.month
),

unioned as (
    select * from company
    union all
    select * from teams
),

output as (
    select
        scope,
        team_id,
        month,
        {{ quarter_label('month') }} as quarter,
        reps,
        bookings,
        won_deals,
        {{ safe_ratio('bookings', 'won_deals') }} as average_deal_size,
        {{ safe_ratio('bookings', 'reps') }} as per_capita_bookings
    from unioned
),

final as (
    select
        scope,
        team_id,
        month,
        quarter,
        cast(reps as integer) as reps,
        cast(bookings as decimal(38, 8)) as bookings,
        cast(won_deals as integer) as won_deals,
        cast(average_deal_size as decimal(38, 8)) as average_deal_size,
        cast(per_capita_bookings as decimal(38, 8)) as per_capita_bookings
    from output
)

select * from final
