{#- The grading table, published as int_quarterly_evaluation_versions computes it (every published version plus the
    drafts of unpublished quarters). A view, so a publication shows at once. -#}
{{ config(materialized='view') }}
select * from {{ ref('int_quarterly_evaluation_versions') }}
