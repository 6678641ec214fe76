{#- Customer development (docs/metrics.md): an account is developed in the month in which, for the first time ever, one
    of its opportunities reaches Negotiation or Closed Won (whichever comes first, from opportunity_history). An
    opportunity created directly as Closed Won (its first history row is Closed Won, or a won deal without any
    Negotiation / Closed Won history row) counts at its CloseDate. Only opportunities that still exist count, and
    only their history rows; an account that is no longer current (deleted) counts for nothing. Developed once,
    credited to that opportunity's owner; ties on the same date go to the lowest opportunity_id. The weight is the
    account's current tier in policy_tier_weights effective on the developed month's last day. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

opportunities as (
    select opportunity_id, account_id, owner_user_id, owner_employee_id, is_won, close_date
    from {{ ref('int_opportunities_converted') }}
    where account_id is not null
),

all_history as (
    select history_id, opportunity_id, stage_name, entered_at, entered_date
    from {{ ref('stg_crm__opportunity_history') }}
),

{#- Only the milestone stages of the history are read past the first row, so only they are joined to the
    opportunities. The first row of an opportunity is only asked whether it is Closed Won, so only the history of
    opportunities with a Closed Won row is ranked, and before the join (an opportunity's rows are all kept or all
    dropped by it, and created_won is only looked up from rows that passed it). Joining and ranking all 2.4M rows at
    scale 10 was most of the model's time. -#}
history as (
    select h.history_id, h.opportunity_id, h.stage_name, h.entered_at, h.entered_date
    from all_history h
    inner join opportunities o on o.opportunity_id = h.opportunity_id
    where h.stage_name in ('Negotiation', 'Closed Won')
),

first_history as (
    select opportunity_id, stage_name
    from (
        select
            opportunity_id,
            stage_name,
            row_number() over (partition by opportunity_id order by entered_at, history_id) as history_rank
        from all_history
        where opportunity_id in (select opportunity_id from all_history where stage_name = 'Closed Won')
    ) ranked
    where history_rank = 1
),

created_won as (
    select opportunity_id from first_history where stage_name = 'Closed Won'
),

milestones as (
    select h.opportunity_id, h.entered_date as milestone_date, h.stage_name as milestone
    from history h
    where h.stage_name in ('Negotiation', 'Closed Won')
        and not exists (select 1 from created_won c where c.opportunity_id = h.opportunity_id)
    union all
    select o.opportunity_id, o.close_date as milestone_date, 'Closed Won at CloseDate' as milestone
    from opportunities o
    where exists (select 1 from created_won c where c.opportunity_id = o.opportunity_id)
        or (
            o.is_won
            and not exists (
                select 1 from history h
                where h.opportunity_id = o.opportunity_id and h.stage_name in ('Negotiation', 'Closed Won')
            )
        )
),

ranked_milestones as (
    select
        o.account_id,
        m.opportunity_id,
        m.milestone_date,
        m.milestone,
        o.owner_user_id,
        o.owner_employee_id,
        row_number() over (
            partition by o.account_id
            order by m.milestone_date, m.opportunity_id,
                case when m.milestone = 'Negotiation' then 1 else 2 end
        ) as milestone_rank
    from milestones m
    inner join opportunities o on o.opportunity_id = m.opportunity_id
    cross join as_of
    where m.milestone_date is not null
        and m.milestone_date <= as_of.as_of_date
),

first_milestones as (
    select
        account_id,
        opportunity_id,
        milestone_date,
        milestone,
        owner_user_id,
        owner_employee_id,
        cast(date_trunc('month', milestone_date) as date) as developed_month
    from ranked_milestones
    where milestone_rank = 1
),

accounts as (
    select account_id, tier, tier_key from {{ ref('int_accounts_owned') }}
),

tier_weights as (
    select
        tier,
        cast(weight as decimal(9, 4)) as weight,
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to,
        policy_version
    from {{ ref('policy_tier_weights') }}
),

final as (
    select
        f.account_id,
        f.milestone_date as developed_date,
        f.developed_month,
        {{ quarter_label('f.developed_month') }} as developed_quarter,
        f.opportunity_id as developed_opportunity_id,
        f.milestone as developed_milestone,
        f.owner_user_id as developed_by_user_id,
        f.owner_employee_id as developed_by_employee_id,
        a.tier,
        a.tier_key,
        w.weight as tier_weight,
        w.policy_version
    from first_milestones f
    inner join accounts a on a.account_id = f.account_id
    left join tier_weights w
        on w.tier = a.tier_key
        and cast({{ dbt.last_day('f.developed_month', 'month') }} as date) between w.effective_from and w.effective_to
)

select * from final
