{#- The incentive programmes (docs/incentives.md) in statement order, written once: mart_pay_incentive_lines
    numbers them, mart_pay_statement puts each programme paid in a month on the statement as one line after the
    six lines of the 40/50/10 plan (line_order 8 ... 14; total_pay then 15, last), and the accepted values of
    the pay marts list them. -#}
{% macro incentive_programmes() -%}
    {{ return(['quarterly_ranking_bonus', 'annual_bonus', 'team_bonus', 'special_project_award',
               'high_value_order_reward', 'certification_allowance', 'commission']) }}
{%- endmacro %}
