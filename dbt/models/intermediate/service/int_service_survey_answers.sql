{#- Every NPS answer known by the as-of date (docs/service.md, NPS): the service survey's, and the CSAT survey's
    nps_score where a company's export carries it; promoter from nps_promoter_from (9), detractor up to
    nps_detractor_to (6), as policy_service says on the survey date. -#}
with as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

answers as (
    select response_id, 'service_survey' as survey, account_id, employee_id, case_id, survey_date, nps_score
    from {{ ref('stg_surveys__service_survey') }}
    union all
    select response_id, 'csat_response' as survey, account_id, employee_id, cast(null as {{ type_text() }}),
        survey_date, nps_score
    from {{ ref('stg_surveys__csat_response') }}
    where nps_score is not null
),

employees as (
    select employee_id, team_id, valid_from, valid_to from {{ ref('int_employee_versions') }}
)

select
    a.response_id,
    a.survey,
    a.account_id,
    a.employee_id,
    e.team_id,
    a.case_id,
    a.survey_date,
    a.nps_score,
    a.nps_score >= p.nps_promoter_from as is_promoter,
    a.nps_score <= p.nps_detractor_to as is_detractor,
    p.policy_version
from answers a
cross join as_of
inner join {{ ref('policy_service') }} p on {{ policy_in_force('p', 'a.survey_date') }}
left join employees e on e.employee_id = a.employee_id and a.survey_date between e.valid_from and e.valid_to
where a.survey_date <= as_of.as_of_date and a.nps_score is not null
