{{ config(severity='warn') }}
-- docs/sources.md: an opportunity's split percentages must sum to 100; anything else is a quality failure to report.
-- Credit is still given as delivered (a 90% total credits 90% of the deal), never silently rescaled.
select opportunity_id, sum(split_percentage) as total_percentage
from {{ ref('stg_crm__opportunity_split') }}
group by opportunity_id
having sum(split_percentage) <> 100
