{#- Lead conversion per CRM owner and month of the lead's CreatedDate (business date), docs/metrics.md: of the leads
    created in the month, the share converted as of the as-of date (IsConverted and ConvertedDate <= as-of).
    Leads created after the as-of date do not count (known_by_as_of). A rep's rate counts the rep's own leads: a lead
    owned by a queue or an unmapped CRM user has no rep row here; it counts in the company and lead-source rates
    (mart_segment_conversion) and in mart_data_quality (leads_without_owner). -#}
with leads as (
    select * from {{ ref('stg_crm__lead') }}
),

users as (
    select * from {{ ref('int_crm_users_mapped') }}
),

credited as (
    select
        u.employee_id,
        cast(date_trunc('month', l.created_date) as date) as month,
        l.is_converted and {{ known_by_as_of('l.converted_date') }} as is_converted_as_of
    from leads l
    inner join users u on u.crm_user_id = l.owner_user_id
    where {{ known_by_as_of('l.created_date') }}
),

aggregated as (
    select
        employee_id,
        month,
        cast(count(*) as integer) as leads_created,
        cast(sum(case when is_converted_as_of then 1 else 0 end) as integer) as leads_converted
    from credited
    group by employee_id, month
),

final as (
    select
        employee_id,
        month,
        leads_created,
        leads_converted,
        {{ safe_ratio('leads_converted', 'leads_created') }} as lead_conversion_rate
    from aggregated
)

select * from final
