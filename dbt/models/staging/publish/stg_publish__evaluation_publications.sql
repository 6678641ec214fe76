{#- Published versions of each quarter's grading table, read through source() (written by the publish asset). A
    view, so a publication shows in the marts at once, without a rebuild. -#}
{{ config(materialized='view') }}
select
    quarter,
    version,
    reason,
    as_of_date,
    published_at,
    max(version) over (partition by quarter) as latest_version
from {{ source('publish', 'evaluation_publications') }}
