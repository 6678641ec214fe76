{#- Opportunity stage order (docs/sources.md: Prospecting ... Negotiation, Closed Won, Closed Lost "in that order").
    For stage conversion (docs/metrics.md) Closed Won is the last stage and Closed Lost is no later stage at all, so it
    has no order. Written once; the funnel models read it from here. -#}

{% macro funnel_stages() -%}
    {{ return(['Prospecting', 'Qualification', 'Needs Analysis', 'Proposal', 'Negotiation']) }}
{%- endmacro %}

