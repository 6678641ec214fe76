{#- Lead conversion and win rate per month and customer segment, company-wide (the dashboard's "which type of
    customer converts badly"). Two segmentations share one shape:
    - lead_source: leads by their LeadSource (conversion as of the as-of date, as int_rep_monthly_leads) and
      closed opportunities by their LeadSource;
    - customer_tier: closed opportunities by the account's current tier. A lead has no account (hence no tier)
      until it converts, so lead columns are null for this segmentation rather than a biased rate.
    Every lead and closed deal of the company counts, whoever owns it: a lead owned by a queue or an unmapped CRM
    user is in its segment's rate (the rep marts leave it out and mart_data_quality counts it). Only facts known by
    the as-of date count (known_by_as_of). A missing source or tier is the segment 'unknown'. The formulas are held
    here (no intermediate copy). -#}
{%- set min_sample = 5 -%}
with leads as (
    select * from {{ ref('stg_crm__lead') }}
),

opportunities as (
    select * from {{ ref('int_opportunities_converted') }}
),

accounts as (
    select account_id, tier from {{ ref('stg_crm__account') }}
),

lead_segments as (
    select
        cast(date_trunc('month', l.created_date) as date) as month,
        coalesce(l.lead_source, 'unknown') as segment,
        cast(count(*) as integer) as leads_created,
        cast(sum(case when l.is_converted and {{ known_by_as_of('l.converted_date') }} then 1 else 0 end) as integer)
            as leads_converted
    from leads l
    where {{ known_by_as_of('l.created_date') }}
    group by 1, 2
),

closed as (
    select
        o.close_month as month,
        coalesce(o.lead_source, 'unknown') as lead_source,
        coalesce(a.tier, 'unknown') as tier,
        coalesce(o.is_won, false) as is_won,
        o.amount_reporting
    from opportunities o
    left join accounts a on a.account_id = o.account_id
    where o.is_closed
        and {{ known_by_as_of('o.close_date') }}
),

outcomes as (
    select
        'lead_source' as segment_type,
        month,
        lead_source as segment,
        is_won,
        amount_reporting
    from closed
    union all
    select 'customer_tier', month, tier, is_won, amount_reporting from closed
),

outcome_segments as (
    select
        segment_type,
        month,
        segment,
        cast(sum(case when is_won then 1 else 0 end) as integer) as won_count,
        cast(sum(case when is_won then 0 else 1 end) as integer) as lost_count,
        cast(coalesce(sum(case when is_won then amount_reporting end), 0) as decimal(38, 8)) as won_amount
    from outcomes
    group by segment_type, month, segment
),

keys as (
    select 'lead_source' as segment_type, month, segment from lead_segments
    union
    select segment_type, month, segment from outcome_segments
),

joined as (
    select
        k.segment_type,
        k.month,
        k.segment,
        case when k.segment_type = 'lead_source' then coalesce(l.leads_created, 0) end as leads_created,
        case when k.segment_type = 'lead_source' then coalesce(l.leads_converted, 0) end as leads_converted,
        coalesce(o.won_count, 0) as won_count,
        coalesce(o.lost_count, 0) as lost_count,
        coalesce(o.won_amount, 0) as won_amount
    from keys k
    left join lead_segments l
        on k.segment_type = 'lead_source' and l.month = k.month and l.segment = k.segment
    left join outcome_segments o
        on o.segment_type = k.segment_type and o.month = k.month and o.segment = k.segment
),

rated as (
    select
        *,
        {{ safe_ratio('leads_converted', 'leads_created') }} as lead_conversion_rate,
        {{ safe_ratio('won_count', 'won_count + lost_count') }} as win_rate,
        {{ safe_ratio('won_amount', 'won_count') }} as average_deal_size
    from joined
),

{#- The weakest segment of a month: the lowest rate among segments with at least {{ min_sample }} leads (or
    closed deals), so a segment with one unlucky deal is not called out; ties go to the segment name. When every
    qualifying segment has the same rate (a young lead cohort: all 0 %), none is weakest. -#}
ranked as (
    select
        *,
        case when leads_created >= {{ min_sample }} then row_number() over (
            partition by segment_type, month, leads_created >= {{ min_sample }}
            order by lead_conversion_rate, segment) end as lead_conversion_rank,
        case when leads_created >= {{ min_sample }} then max(lead_conversion_rate) over (
            partition by segment_type, month, leads_created >= {{ min_sample }}) end as best_lead_conversion,
        case when won_count + lost_count >= {{ min_sample }} then row_number() over (
            partition by segment_type, month, won_count + lost_count >= {{ min_sample }}
            order by win_rate, segment) end as win_rate_rank,
        case when won_count + lost_count >= {{ min_sample }} then max(win_rate) over (
            partition by segment_type, month, won_count + lost_count >= {{ min_sample }}) end as best_win_rate
    from rated
),

segments as (
    select
        segment_type,
        month,
        {{ quarter_label('month') }} as quarter,
        segment,
        leads_created,
        leads_converted,
        lead_conversion_rate,
        won_count,
        lost_count,
        win_rate,
        won_amount,
        average_deal_size,
        coalesce(lead_conversion_rank = 1 and lead_conversion_rate < best_lead_conversion, false)
            as is_weakest_lead_conversion,
        coalesce(win_rate_rank = 1 and win_rate < best_win_rate, false) as is_weakest_win_rate
    from ranked
),

final as (
    select
        segment_type,
        month,
        quarter,
        segment,
        cast(leads_created as integer) as leads_created,
        cast(leads_converted as integer) as leads_converted,
        lead_conversion_rate,
        case when segment_type = 'lead_source' then {{ lead_cohort_is_final('month') }} end
            as lead_conversion_is_final,
        cast(won_count as integer) as won_count,
        cast(lost_count as integer) as lost_count,
        win_rate,
        cast(won_amount as decimal(38, 8)) as won_amount,
        cast(average_deal_size as decimal(38, 8)) as average_deal_size,
        is_weakest_lead_conversion,
        is_weakest_win_rate
    from segments
)

select * from final
