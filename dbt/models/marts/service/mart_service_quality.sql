{#- The published service-quality figures: int_service_quality holds the rules (docs/service.md), because the
    scorecard reads its rep-quarter rows too. -#}
select * from {{ ref('int_service_quality') }}
