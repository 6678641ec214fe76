{#- The default view of the grading table: per rep and quarter, the latest published version, else the draft. -#}
{{ config(materialized='view') }}
select * from {{ ref('mart_quarterly_evaluation') }}
where is_latest
