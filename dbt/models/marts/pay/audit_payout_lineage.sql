{#- The source rows behind every pay line (docs/pay.md, Lineage: an auditor can re-derive any
    payout from the extracts alone). One row per employee_id, month, line,
    source_table and source_id, with the landing file, its SHA-256 and the row number in the file, and the
    roles the row plays for that line (input_roles). Every line has at least the salary version row it starts
    from (hr__employee), since every amount is a share of base salary; total_pay carries the sources of all its
    lines. -#}
with statements as (
    select employee_id, month, month_end, evaluation_quarter
    from {{ ref('int_pay_monthly_inputs') }}
),

rep_months as (
    select * from {{ ref('int_pay_rep_months') }}
),

as_of as (
    select as_of_date from {{ ref('int_run_as_of') }}
),

booking_credits as (
    select * from {{ ref('int_bookings_credited') }}
    where employee_id is not null
),

opportunities as (
    select opportunity_id, source_file, source_sha256, source_row from {{ ref('stg_crm__opportunity') }}
),

invoices as (
    select * from {{ ref('int_invoices_receivable') }}
),

documents as (
    select * from {{ ref('int_finance_documents') }}
),

payments as (
    select * from {{ ref('int_payments_converted') }}
    where not is_orphan_invoice
),

csat as (
    select c.employee_id, c.quarter, r.response_id, r.source_file, r.source_sha256, r.source_row
    from {{ ref('int_csat_responses_counted') }} c
    inner join {{ ref('stg_surveys__csat_response') }} r on r.response_id = c.response_id
    where c.employee_id is not null
),

reviews as (
    select r.reviewee_employee_id as employee_id, r.cycle as quarter, r.review_id, r.source_file,
        r.source_sha256, r.source_row
    from {{ ref('stg_surveys__review_360') }} r
    cross join as_of a
    where r.reviewee_employee_id is not null
        and (r.submitted_at is null or {{ business_date('r.submitted_at') }} <= a.as_of_date)
),

clawback_events as (
    select e.*
    from {{ ref('int_pay_clawback_events') }} e
    inner join {{ ref('int_pay_clawbacks') }} c
        on c.employee_id = e.employee_id and c.month = e.event_month and c.original_month = e.close_month
),

{#- Sources of each input, per rep and month (role, table, id, lineage). -#}
salary_rows as (
    select
        r.employee_id, r.month, 'salary_version' as input_role, 'hr__employee' as source_table,
        r.employee_id || '|' || cast(r.salary_updated_at as {{ type_text() }}) as source_id,
        r.salary_source_file as source_file, r.salary_source_sha256 as source_sha256,
        r.salary_source_row as source_row
    from rep_months r
),

booking_rows as (
    select b.employee_id, b.close_month as month, 'bookings' as input_role, 'crm__opportunity' as source_table,
        b.opportunity_id as source_id, b.source_file, b.source_sha256, b.source_row
    from booking_credits b
    union all
    select b.employee_id, b.close_month, 'bookings_split', 'crm__opportunity_split', s.split_id,
        s.source_file, s.source_sha256, s.source_row
    from booking_credits b
    inner join {{ ref('stg_crm__opportunity_split') }} s on s.split_id = b.split_id
    union all
    select b.employee_id, b.close_month, 'bookings_fx_rate', 'finance__fx_rate',
        cast(f.rate_month as {{ type_text() }}) || '|' || f.currency, f.source_file, f.source_sha256, f.source_row
    from booking_credits b
    inner join {{ ref('stg_finance__fx_rate') }} f on f.currency = b.currency and f.rate_month = b.close_month
    where b.currency <> '{{ var("reporting_currency") }}'
),

target_rows as (
    select t.employee_id, t.period_month as month, t.metric || '_target' as input_role,
        'planning__target' as source_table, t.target_key as source_id, t.source_file, t.source_sha256,
        t.source_row
    from {{ ref('stg_planning__target') }} t
    where t.metric in ('revenue', 'new_customers')
),

developed_rows as (
    select d.developed_by_employee_id as employee_id, d.developed_month as month,
        'developed_account' as input_role, 'crm__account' as source_table, d.account_id as source_id,
        a.source_file, a.source_sha256, a.source_row
    from {{ ref('int_accounts_developed') }} d
    inner join {{ ref('int_accounts_owned') }} a on a.account_id = d.account_id
    where d.developed_by_employee_id is not null
    union all
    select d.developed_by_employee_id, d.developed_month, 'developing_opportunity', 'crm__opportunity',
        o.opportunity_id, o.source_file, o.source_sha256, o.source_row
    from {{ ref('int_accounts_developed') }} d
    inner join opportunities o on o.opportunity_id = d.developed_opportunity_id
    where d.developed_by_employee_id is not null
    union all
    select d.developed_by_employee_id, d.developed_month, 'developing_stage_change', 'crm__opportunity_history',
        h.history_id, h.source_file, h.source_sha256, h.source_row
    from {{ ref('int_accounts_developed') }} d
    inner join {{ ref('stg_crm__opportunity_history') }} h
        on h.opportunity_id = d.developed_opportunity_id
        and h.stage_name = d.developed_milestone
        and h.entered_date = d.developed_date
    where d.developed_by_employee_id is not null
),

collection_rows as (
    select i.employee_id, i.due_month as month, 'collection_invoice' as input_role,
        'finance__invoice' as source_table, i.invoice_id as source_id, i.source_file, i.source_sha256,
        i.source_row
    from invoices i
    where i.employee_id is not null
    union all
    select i.employee_id, i.due_month, 'collection_credit_note', 'finance__invoice', c.invoice_id,
        c.source_file, c.source_sha256, c.source_row
    from invoices i
    inner join documents c on c.original_invoice_id = i.invoice_id and c.document_type = 'CRN' and not c.is_void
    where i.employee_id is not null
    union all
    select i.employee_id, i.due_month, 'collection_payment', 'finance__payment', p.payment_id,
        p.source_file, p.source_sha256, p.source_row
    from invoices i
    inner join payments p on p.invoice_id = i.invoice_id
    cross join as_of a
    where i.employee_id is not null and p.payment_date <= a.as_of_date
),

quarter_rows as (
    select s.employee_id, s.month, 'csat_response' as input_role, 'surveys__csat_response' as source_table,
        c.response_id as source_id, c.source_file, c.source_sha256, c.source_row
    from statements s
    inner join csat c on c.employee_id = s.employee_id and c.quarter = s.evaluation_quarter
    union all
    select s.employee_id, s.month, 'review_360', 'surveys__review_360', r.review_id,
        r.source_file, r.source_sha256, r.source_row
    from statements s
    inner join reviews r on r.employee_id = s.employee_id and r.quarter = s.evaluation_quarter
),

clawback_rows as (
    select e.employee_id, e.event_month as month,
        case when e.event_type = 'credit_note' then 'clawback_credit_note' else 'clawback_write_off_invoice' end
            as input_role,
        'finance__invoice' as source_table, coalesce(e.credit_note_id, e.invoice_id) as source_id,
        e.source_file, e.source_sha256, e.source_row
    from clawback_events e
    union all
    select e.employee_id, e.event_month, 'clawback_invoice', 'finance__invoice', i.invoice_id,
        i.source_file, i.source_sha256, i.source_row
    from clawback_events e
    inner join invoices i on i.invoice_id = e.invoice_id
    where e.event_type = 'credit_note'
    union all
    select e.employee_id, e.event_month, 'clawback_payment_before_write_off', 'finance__payment', p.payment_id,
        p.source_file, p.source_sha256, p.source_row
    from clawback_events e
    inner join payments p on p.invoice_id = e.invoice_id and p.payment_date <= e.event_date
    where e.event_type = 'write_off_180d'
    union all
    select e.employee_id, e.event_month, 'clawback_deal', 'crm__opportunity', o.opportunity_id,
        o.source_file, o.source_sha256, o.source_row
    from clawback_events e
    inner join opportunities o on o.opportunity_id = e.opportunity_id
),

{#- Sources of the incentive lines (docs/incentives.md), per programme row paid on a statement: the rep's credited
    deals of the quarter with that quarter's CSAT and 360 rows (quarterly ranking bonus) or of the year (annual
    bonus); every team member's credited deals and revenue targets of the quarter (team bonus pool); the deal, its
    splits and FX rate (special project, high-value order); the training row of the certification held; the month's
    credited deals or payments (commission). Each line also points at the statement's employee version row. -#}
incentive_lines as (
    select l.*, cal.quarter as paid_quarter,
        {#- a negative row is a clawback of a deal-based payment: on the statement's clawback line -#}
        case when l.amount < 0 then 'clawback' else l.programme end as line
    from {{ ref('mart_pay_incentive_lines') }} l
    left join {{ ref('int_calendar_months') }} cal on cal.month = l.paid_month
    where l.has_statement
),

calendar as (
    select month, quarter, cast(substr(quarter, 1, 4) as {{ type_text() }}) as year_key
    from {{ ref('int_calendar_months') }}
),

team_quarter_members as (
    select team_id, quarter, employee_id from {{ ref('int_rep_quarterly_kpis') }} where team_id is not null
),

incentive_rows as (
    select l.employee_id, l.paid_month as month, l.line, 'quarter_' || b.input_role as input_role,
        b.source_table, b.source_id, b.source_file, b.source_sha256, b.source_row
    from incentive_lines l
    inner join calendar c on c.quarter = l.period_key
    inner join booking_rows b on b.employee_id = l.employee_id and b.month = c.month
    where l.programme = 'quarterly_ranking_bonus'
    union all
    select l.employee_id, l.paid_month, l.line, 'quarter_' || c.input_role, c.source_table, c.source_id,
        c.source_file, c.source_sha256, c.source_row
    from incentive_lines l
    inner join (
        select employee_id, quarter, 'csat_response' as input_role, 'surveys__csat_response' as source_table,
            response_id as source_id, source_file, source_sha256, source_row
        from csat
        union all
        select employee_id, quarter, 'review_360', 'surveys__review_360', review_id, source_file, source_sha256,
            source_row
        from reviews
    ) c on c.employee_id = l.employee_id and c.quarter = l.period_key
    where l.programme = 'quarterly_ranking_bonus'
    union all
    select l.employee_id, l.paid_month, l.line, 'year_' || b.input_role, b.source_table, b.source_id,
        b.source_file, b.source_sha256, b.source_row
    from incentive_lines l
    inner join calendar c on c.year_key = l.period_key
    inner join booking_rows b on b.employee_id = l.employee_id and b.month = c.month
    where l.programme = 'annual_bonus'
    union all
    select l.employee_id, l.paid_month, l.line, 'team_' || x.input_role, x.source_table, x.source_id,
        x.source_file, x.source_sha256, x.source_row
    from incentive_lines l
    inner join team_quarter_members tm
        on tm.quarter || '|' || tm.team_id = l.period_key
    inner join calendar c on c.quarter = tm.quarter
    inner join (
        select employee_id, month, input_role, source_table, source_id, source_file, source_sha256, source_row
        from booking_rows
        union all
        select employee_id, month, input_role, source_table, source_id, source_file, source_sha256, source_row
        from target_rows
        where input_role = 'revenue_target'
    ) x on x.employee_id = tm.employee_id and x.month = c.month
    where l.programme = 'team_bonus'
    union all
    select l.employee_id, l.paid_month, l.line, 'deal_' || b.input_role, b.source_table, b.source_id,
        b.source_file, b.source_sha256, b.source_row
    from incentive_lines l
    inner join booking_credits bc on bc.employee_id = l.employee_id and bc.opportunity_id = l.period_key
    inner join booking_rows b
        on b.employee_id = bc.employee_id and b.month = bc.close_month
        and (b.source_id = bc.opportunity_id or b.source_id = bc.split_id
            or (b.input_role = 'bookings_fx_rate'
                and b.source_id = cast(bc.close_month as {{ type_text() }}) || '|' || bc.currency))
    where l.programme in ('special_project_award', 'high_value_order_reward')
    union all
    select l.employee_id, l.paid_month, l.line, 'certification', 'hr__training', t.training_id,
        t.source_file, t.source_sha256, t.source_row
    from incentive_lines l
    inner join {{ ref('int_incentive_certification_allowance') }} a
        on a.employee_id = l.employee_id and a.period_key = l.period_key and a.rule_id = l.rule_id
    inner join {{ ref('stg_hr__training') }} t on t.training_id = a.training_id
    where l.programme = 'certification_allowance'
    union all
    select l.employee_id, l.paid_month, l.line, 'commission_' || b.input_role, b.source_table, b.source_id,
        b.source_file, b.source_sha256, b.source_row
    from incentive_lines l
    inner join {{ ref('int_incentive_commission') }} cm
        on cm.employee_id = l.employee_id and cm.period_key = l.period_key and cm.rule_id = l.rule_id
    inner join booking_rows b on b.employee_id = l.employee_id and b.month = l.paid_month
    where l.programme = 'commission' and cm.basis = 'booked'
    union all
    select l.employee_id, l.paid_month, l.line, 'commission_payment', 'finance__payment', p.payment_id,
        p.source_file, p.source_sha256, p.source_row
    from incentive_lines l
    inner join {{ ref('int_incentive_commission') }} cm
        on cm.employee_id = l.employee_id and cm.period_key = l.period_key and cm.rule_id = l.rule_id
    inner join payments p on p.employee_id = l.employee_id and p.payment_month = l.paid_month
    cross join as_of a
    where l.programme = 'commission' and cm.basis = 'collected' and p.payment_date <= a.as_of_date
    union all
    select l.employee_id, l.paid_month, l.line, s.input_role, s.source_table, s.source_id, s.source_file,
        s.source_sha256, s.source_row
    from incentive_lines l
    inner join salary_rows s on s.employee_id = l.employee_id and s.month = l.paid_month
    union all
    select l.employee_id, l.paid_month, l.line,
        case when e.event_type = 'credit_note' then 'incentive_clawback_credit_note'
            else 'incentive_clawback_write_off_invoice' end,
        'finance__invoice', coalesce(e.credit_note_id, e.invoice_id), e.source_file, e.source_sha256, e.source_row
    from incentive_lines l
    inner join {{ ref('int_incentive_clawbacks') }} k
        on k.employee_id = l.employee_id and k.period_key = l.period_key and k.rule_id = l.rule_id
    inner join {{ ref('int_pay_clawback_events') }} e on e.event_id = k.event_id and e.employee_id = k.employee_id
    where l.amount < 0
    union all
    select l.employee_id, l.paid_month, l.line, 'incentive_clawback_deal', 'crm__opportunity', o.opportunity_id,
        o.source_file, o.source_sha256, o.source_row
    from incentive_lines l
    inner join {{ ref('int_incentive_clawbacks') }} k
        on k.employee_id = l.employee_id and k.period_key = l.period_key and k.rule_id = l.rule_id
    inner join {{ ref('int_pay_clawback_events') }} e on e.event_id = k.event_id and e.employee_id = k.employee_id
    inner join opportunities o on o.opportunity_id = e.opportunity_id
    where l.amount < 0
),

{#- Which inputs each line is derived from. -#}
line_sources as (
    {%- set line_roles = [
        ('base_salary', 'salary_rows', none),
        ('base_performance_pay', 'salary_rows', none),
        ('base_performance_pay', 'booking_rows', none),
        ('base_performance_pay', 'target_rows', none),
        ('base_performance_pay', 'developed_rows', none),
        ('base_performance_pay', 'collection_rows', none),
        ('performance_bonus', 'salary_rows', none),
        ('performance_bonus', 'booking_rows', none),
        ('performance_bonus', 'target_rows', "input_role = 'revenue_target'"),
        ('capability_bonus', 'salary_rows', none),
        ('capability_bonus', 'quarter_rows', none),
        ('csat_bonus', 'salary_rows', none),
        ('csat_bonus', 'quarter_rows', "input_role = 'csat_response'"),
        ('clawback', 'salary_rows', none),
        ('clawback', 'clawback_rows', none),
    ] %}
    {% for line, rel, condition in line_roles %}
    select x.employee_id, x.month, '{{ line }}' as line, x.input_role, x.source_table, x.source_id,
        x.source_file, x.source_sha256, x.source_row
    from {{ rel }} x
    inner join statements s on s.employee_id = x.employee_id and s.month = x.month
    {% if condition %}where x.{{ condition }}{% endif %}
    union all
    {% endfor %}
    select x.employee_id, x.month, x.line, x.input_role, x.source_table, x.source_id,
        x.source_file, x.source_sha256, x.source_row
    from incentive_rows x
    inner join statements s on s.employee_id = x.employee_id and s.month = x.month
    union all
    select x.employee_id, x.month, 'total_pay', x.input_role, x.source_table, x.source_id,
        x.source_file, x.source_sha256, x.source_row
    from (
        {% for rel in ['salary_rows', 'booking_rows', 'target_rows', 'developed_rows', 'collection_rows',
                       'quarter_rows', 'clawback_rows'] %}
        select employee_id, month, input_role, source_table, source_id, source_file, source_sha256, source_row
        from {{ rel }}
        union all
        {% endfor %}
        select employee_id, month, input_role, source_table, source_id, source_file, source_sha256, source_row
        from incentive_rows
    ) x
    inner join statements s on s.employee_id = x.employee_id and s.month = x.month
),

final as (
    select
        employee_id,
        month,
        line,
        source_table,
        source_id,
        max(source_file) as source_file,
        max(source_sha256) as source_sha256,
        cast(max(source_row) as bigint) as source_row,
        {{ dbt.listagg('distinct input_role', "','", 'order by input_role') }} as input_roles
    from line_sources
    group by employee_id, month, line, source_table, source_id
)

select * from final
