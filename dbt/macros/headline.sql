{#- The dashboard's headline windows of one scope (docs/architecture.md, The dashboard), written once for the rep,
    team and company monthly marts: from a relation with one row per scope and month (`keys` + month, bookings,
    revenue_target), the quarter to date (calendar quarter, the months of the scope up to this one), the previous
    month's and the same month last year's bookings (null when the scope has no row then: missing is not zero), and
    the rates recomputed from those sums, never averaged. Growth (with_growth=true; the rep mart has its own, the same
    macro `growth`) from the exact difference of the sums, a month without bookings growing from 0. -#}
{% macro headline_windows(monthly, keys=[], with_growth=true) -%}
    {%- set partition = [] -%}
    {%- for key in keys %}{% do partition.append('m.' ~ key) %}{% endfor -%}
    {%- do partition.append("cast(date_trunc('quarter', m.month) as date)") -%}
    select
        m.*,
        cast(sum(m.bookings) over quarter_to_date as decimal(38, 8)) as bookings_qtd,
        cast(sum(m.revenue_target) over quarter_to_date as decimal(38, 2)) as revenue_target_qtd,
        {{ safe_ratio('sum(m.bookings) over quarter_to_date', 'sum(m.revenue_target) over quarter_to_date') }}
            as attainment_qtd,
        cast(previous.bookings as decimal(38, 8)) as bookings_previous_month,
        cast(last_year.bookings as decimal(38, 8)) as bookings_same_month_last_year
        {%- if with_growth %},
        {{ growth('coalesce(m.bookings, 0)', 'previous.bookings') }} as growth_mom,
        {{ growth('coalesce(m.bookings, 0)', 'last_year.bookings') }} as growth_yoy
        {%- endif %}
    from {{ monthly }} m
    left join {{ monthly }} previous
        on previous.month = {{ dbt.dateadd('month', -1, 'm.month') }}
        {%- for key in keys %} and previous.{{ key }} = m.{{ key }}{% endfor %}
    left join {{ monthly }} last_year
        on last_year.month = {{ dbt.dateadd('month', -12, 'm.month') }}
        {%- for key in keys %} and last_year.{{ key }} = m.{{ key }}{% endfor %}
    window quarter_to_date as (partition by {{ partition | join(', ') }} order by m.month
        rows between unbounded preceding and current row)
{%- endmacro %}

{#- The parts of a scope's monthly figures, summed over its rep rows of mart_rep_monthly_kpis (alias `k`), written
    once for the team and company marts: numerators and denominators only; each mart recomputes its rates
    from them with safe_ratio. A scope without rep rows has null sums (missing is not zero). -#}
{% macro scope_sums() -%}
    sum(k.won_count) as won_count,
    sum(k.lost_count) as lost_count,
    sum(k.leads_created) as leads_created,
    sum(k.leads_converted) as leads_converted,
    bool_and(k.lead_conversion_is_final) as lead_conversion_is_final,
    sum(k.won_cycle_days_sum) as won_cycle_days_sum,
    sum(k.meetings) as meetings,
    sum(k.demos) as demos,
    sum(k.proposals) as proposals,
    sum(k.emails) as emails,
    sum(k.developed_accounts) as developed_accounts,
    sum(k.receivable_due) as receivable_due,
    sum(k.collected) as collected,
    sum(k.collection_target_numerator) as collection_target_numerator,
    sum(k.collection_target_denominator) as collection_target_denominator
{%- endmacro %}

