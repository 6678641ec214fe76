{#- The frozen grading rows of every published version, read through source(). A view (see the publications). -#}
{{ config(materialized='view') }}
select * from {{ source('publish', 'quarterly_evaluation_versions') }}
