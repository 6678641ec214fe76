{#- Every row the figures leave out or cannot show, one row per check and record (docs/metrics.md, Data quality).
    mart_data_quality counts them; a warning test per check reports them with the count. Only facts known by the
    as-of date count (known_by_as_of), except deals_closing_after_as_of itself. -#}
with users as (
    select crm_user_id from {{ ref('int_crm_users_mapped') }} where employee_id is not null
),

opportunities as (
    select * from {{ ref('int_opportunities_converted') }}
),

history as (
    select distinct opportunity_id from {{ ref('stg_crm__opportunity_history') }}
)

select 'leads_without_owner' as check_name, lead_id as record_id, cast(date_trunc('month', created_date) as date) as month
from {{ ref('stg_crm__lead') }}
where {{ known_by_as_of('created_date') }}
    and (owner_user_id is null or owner_user_id not in (select crm_user_id from users))
union all
select 'closed_deals_without_rep', opportunity_id, close_month
from opportunities
where is_closed and owner_employee_id is null and {{ known_by_as_of('close_date') }}
union all
select 'won_deals_without_amount', opportunity_id, close_month
from opportunities
where is_won and amount is null and {{ known_by_as_of('close_date') }}
union all
select 'deals_closing_after_as_of', opportunity_id, close_month
from opportunities
where is_closed and not {{ known_by_as_of('close_date') }}
union all
select 'opportunities_without_history', o.opportunity_id, o.close_month
from opportunities o
where o.opportunity_id not in (select opportunity_id from history)
union all
select 'rep_months_without_target', k.employee_id || '|' || cast(k.month as {{ type_text() }}), k.month
from {{ ref('int_rep_monthly_kpis') }} k
inner join {{ ref('int_rep_months') }} m on m.employee_id = k.employee_id and m.month = k.month
inner join {{ ref('policy_grading') }} g on {{ policy_in_force('g', 'm.month_end') }}
{#- Only the graded sales roles: a manager without a revenue target is not thin data. #}
where k.revenue_target is null
    and position('|' || m.job_level || '|' in '|' || g.eligible_job_levels || '|') > 0
