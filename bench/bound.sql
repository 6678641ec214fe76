-- The lower bound of a build: the core marts written by hand as one DuckDB script over the landing CSVs.
--
-- What a data engineer would write without dbt, Dagster, lineage, quarantine or tests: read every delivery of an
-- extract once (all_varchar, as the raw tables keep it; malformed rows dropped), keep each record's current
-- version (latest change stamp, then the later file), and compute the same core results as the warehouse:
--   bound_bookings        won deals credited by split (else 100 % to the owner), CNY at the close-month rate,
--                         new/existing customer, team at close            ~ marts.fct_bookings
--   bound_attainment      bookings per rep and month against the revenue target ~ mart_rep_monthly_kpis
--   bound_activities      completed tasks and held events per rep, month and type ~ int_rep_monthly_activities
--   bound_stage_entries   first entry per opportunity and stage, advanced or not ~ int_opportunity_stage_entries
--   bound_collection      receivable, collected and on time per rep and due month ~ mart_collection_rate
--   bound_start_customers accounts covered on each quarter's first day, per owner ~ mart_customer_retention
-- bench/benchmark.py replaces ${LANDING}, ${SEEDS} and ${CSV} (the CSV dialect: naming it skips DuckDB's sniffer,
-- 0.2 s a file) and runs it in a fresh in-memory DuckDB, then compares the
-- totals with the built warehouse's marts. Rules follow docs/metrics.md; where the warehouse has a refinement
-- the bound leaves out (history-mode exports, picklist mapping, orphan flags) the totals may differ slightly.

set TimeZone = 'UTC';

create macro file_order(f) as
    cast(regexp_extract(f, '_(\d{8})(?:_(\d+))?\.csv$', 1) as bigint) * 1000
    + coalesce(try_cast(nullif(regexp_extract(f, '_(\d{8})(?:_(\d+))?\.csv$', 2), '') as bigint), 0);
create macro utc_ts(x) as try_cast(x as timestamptz);
create macro business_date(x) as cast(try_cast(x as timestamptz) at time zone 'Asia/Shanghai' as date);
create macro month_of(d) as cast(date_trunc('month', d) as date);
create macro to_bool(x) as case when lower(x) in ('true', '1') then true when lower(x) in ('false', '0') then false end;

-- Current state of each extract (staging).
create table opportunity as
select "Id" as opportunity_id, "AccountId" as account_id, "OwnerId" as owner_user_id, "StageName" as stage_name,
    try_cast("Amount" as decimal(18, 2)) as amount, "CurrencyIsoCode" as currency,
    try_cast("CloseDate" as date) as close_date, to_bool("IsClosed") as is_closed, to_bool("IsWon") as is_won,
    "Product_Line__c" as product_line, "SystemModstamp" as stamp
from read_csv('${LANDING}/crm/opportunity/*.csv', all_varchar = true, header = true, filename = true,
              ${CSV})
where "Id" is not null
qualify row_number() over (partition by "Id" order by utc_ts("SystemModstamp") desc, file_order(filename) desc) = 1
    and not coalesce(to_bool("IsDeleted"), false);

create table opportunity_split as
select "OpportunityId" as opportunity_id, "Id" as split_id, "SplitOwnerId" as owner_user_id,
    try_cast("SplitPercentage" as decimal(9, 4)) as split_percentage
from read_csv('${LANDING}/crm/opportunity_split/*.csv', all_varchar = true, header = true, filename = true,
              ${CSV})
qualify row_number() over (partition by "Id" order by utc_ts("SystemModstamp") desc, file_order(filename) desc) = 1
    and not coalesce(to_bool("IsDeleted"), false);

create table opportunity_history as
select "Id" as history_id, "OpportunityId" as opportunity_id, "StageName" as stage_name,
    utc_ts("CreatedDate") as entered_at, business_date("CreatedDate") as entered_date
from read_csv('${LANDING}/crm/opportunity_history/*.csv', all_varchar = true, header = true, filename = true,
              ${CSV})
qualify row_number() over (partition by "Id" order by utc_ts("CreatedDate") desc, file_order(filename) desc) = 1
    and not coalesce(to_bool("IsDeleted"), false);

create table task as
select "OwnerId" as owner_user_id, "Type" as activity_type, try_cast("ActivityDate" as date) as activity_date,
    "Status" as status, try_cast("CallDurationInSeconds" as integer) as call_seconds, "SystemModstamp" as stamp
from read_csv('${LANDING}/crm/task/*.csv', all_varchar = true, header = true, filename = true,
              ${CSV})
qualify row_number() over (partition by "Id" order by utc_ts("SystemModstamp") desc, file_order(filename) desc) = 1
    and not coalesce(to_bool("IsDeleted"), false);

create table event as
select "OwnerId" as owner_user_id, "Type" as activity_type, try_cast("ActivityDate" as date) as activity_date
from read_csv('${LANDING}/crm/event/*.csv', all_varchar = true, header = true, filename = true,
              ${CSV})
qualify row_number() over (partition by "Id" order by utc_ts("SystemModstamp") desc, file_order(filename) desc) = 1
    and not coalesce(to_bool("IsDeleted"), false);

create table account as
select "Id" as account_id, "AccountNumber" as customer_number, "OwnerId" as owner_user_id,
    utc_ts("CreatedDate") as created_at
from read_csv('${LANDING}/crm/account/*.csv', all_varchar = true, header = true, filename = true,
              ${CSV})
qualify row_number() over (partition by "Id" order by utc_ts("SystemModstamp") desc, file_order(filename) desc) = 1
    and not coalesce(to_bool("IsDeleted"), false);

create table contract as
select "AccountId" as account_id, "Id" as contract_id, try_cast("StartDate" as date) as start_date,
    try_cast("EndDate" as date) as end_date, "Status" as status
from read_csv('${LANDING}/crm/contract/*.csv', all_varchar = true, header = true, filename = true,
              ${CSV})
qualify row_number() over (partition by "Id" order by utc_ts("SystemModstamp") desc, file_order(filename) desc) = 1
    and not coalesce(to_bool("IsDeleted"), false);

create table invoice as
select invoice_id, document_type, original_invoice_id, customer_number, salesperson_employee_id,
    try_cast(invoice_date as date) as invoice_date, try_cast(due_date as date) as due_date,
    try_cast(payment_terms_days as integer) as payment_terms_days, currency,
    try_cast(gross_amount as decimal(18, 2)) as gross_amount, status, updated_at as stamp
from read_csv('${LANDING}/finance/invoice/*.csv', all_varchar = true, header = true, filename = true,
              ${CSV})
qualify row_number() over (partition by invoice_id order by utc_ts(updated_at) desc, file_order(filename) desc) = 1
    and not coalesce(to_bool(is_deleted), false);

create table payment as
select payment_id, invoice_id, try_cast(payment_date as date) as payment_date,
    try_cast(amount as decimal(18, 2)) as amount, currency, updated_at as stamp
from read_csv('${LANDING}/finance/payment/*.csv', all_varchar = true, header = true, filename = true,
              ${CSV})
qualify row_number() over (partition by payment_id order by utc_ts(updated_at) desc, file_order(filename) desc) = 1
    and not coalesce(to_bool(is_deleted), false);

create table fx as
select cast(rate_month || '-01' as date) as rate_month, currency, try_cast(rate_to_reporting as decimal(18, 8)) as rate
from read_csv('${LANDING}/finance/fx_rate/*.csv', all_varchar = true, header = true, filename = true,
              ${CSV})
where currency <> 'CNY'
qualify row_number() over (partition by rate_month, currency order by utc_ts(updated_at) desc, file_order(filename) desc) = 1;

create table target as
select employee_id, cast(period_month || '-01' as date) as month, try_cast(target_value as decimal(18, 2)) as revenue_target
from read_csv('${LANDING}/planning/target/*.csv', all_varchar = true, header = true, filename = true,
              ${CSV})
where metric = 'revenue'
qualify row_number() over (partition by employee_id, period_month, metric
                           order by utc_ts(updated_at) desc, file_order(filename) desc) = 1
    and not coalesce(to_bool(is_deleted), false);

-- Type-2 employee history: a version holds from its business date until the next version's.
create table employee_version as
with versions as (
    select employee_id, crm_user_id, team_id, to_bool(is_deleted) as is_deleted, utc_ts(updated_at) as updated_at,
        business_date(updated_at) as updated_date, file_order(filename) as file_order
    from read_csv('${LANDING}/hr/employee/*.csv', all_varchar = true, header = true, filename = true,
                  ${CSV})
    qualify row_number() over (partition by employee_id, updated_at order by file_order(filename) desc) = 1
),
gone as (
    select employee_id from versions
    qualify row_number() over (partition by employee_id order by updated_at desc, file_order desc) = 1 and is_deleted
),
per_day as (
    select * from versions
    where not coalesce(is_deleted, false) and employee_id not in (select employee_id from gone)
    qualify row_number() over (partition by employee_id, updated_date order by updated_at desc, file_order desc) = 1
)
select employee_id, crm_user_id, team_id,
    case when row_number() over w = 1 then date '1900-01-01' else updated_date end as valid_from,
    coalesce(lead(updated_date) over w - interval 1 day, date '9999-12-31')::date as valid_to
from per_day
window w as (partition by employee_id order by updated_date);

create table crm_user as
select crm_user_id, employee_id from employee_version where crm_user_id is not null
qualify row_number() over (partition by crm_user_id order by valid_from desc) = 1;

create table as_of as
select max(d) as as_of_date from (
    select max(business_date(stamp)) as d from opportunity union all
    select max(business_date(stamp)) from task union all
    select max(business_date(stamp)) from invoice union all
    select max(business_date(stamp)) from payment);

-- Bookings with splits and new/existing customers.
create table bound_bookings as
with won as (
    select o.*, u.employee_id as owner_employee_id, month_of(o.close_date) as close_month,
        case when o.currency = 'CNY' then 1 else fx.rate end as fx_rate
    from opportunity o
    left join fx on fx.currency = o.currency and fx.rate_month = month_of(o.close_date)
    left join crm_user u on u.crm_user_id = o.owner_user_id
    where o.is_won
),
credits as (
    select w.opportunity_id, s.split_id, u.employee_id, s.split_percentage / 100 as credit_share
    from won w join opportunity_split s on s.opportunity_id = w.opportunity_id
    left join crm_user u on u.crm_user_id = s.owner_user_id
    union all
    select w.opportunity_id, null, w.owner_employee_id, 1
    from won w where not exists (select 1 from opportunity_split s where s.opportunity_id = w.opportunity_id)
),
first_won as (select account_id, min(close_date) as first_won_date from won group by account_id)
select w.opportunity_id, c.split_id, w.account_id, c.employee_id, e.team_id, w.close_date, w.close_month,
    cast(cast(w.amount as decimal(38, 8)) * w.fx_rate * c.credit_share as decimal(38, 8)) as amount_reporting,
    coalesce(month_of(f.first_won_date) = w.close_month, false) as is_new_customer
from won w
join credits c on c.opportunity_id = w.opportunity_id
left join first_won f on f.account_id = w.account_id
left join employee_version e on e.employee_id = c.employee_id and w.close_date between e.valid_from and e.valid_to;

-- Attainment: bookings against the revenue target per rep and month.
create table bound_attainment as
with bookings as (
    select employee_id, close_month as month, sum(amount_reporting) as bookings,
        sum(case when is_new_customer then amount_reporting else 0 end) as new_customer_bookings
    from bound_bookings where employee_id is not null group by all
)
select coalesce(b.employee_id, t.employee_id) as employee_id, coalesce(b.month, t.month) as month,
    coalesce(b.bookings, 0) as bookings, coalesce(b.new_customer_bookings, 0) as new_customer_bookings,
    t.revenue_target, coalesce(b.bookings, 0) / nullif(t.revenue_target, 0) as attainment
from bookings b full join target t on t.employee_id = b.employee_id and t.month = b.month;

-- Activities: completed tasks and held events per rep, month and type, up to the as-of date.
create table bound_activities as
select u.employee_id, month_of(a.activity_date) as month,
    count(*) filter (where a.activity_type = 'Visit') as visits,
    count(*) filter (where a.activity_type = 'Call') as calls,
    count(*) filter (where a.activity_type = 'Meeting') as meetings,
    count(*) as completed_activities,
    coalesce(sum(a.call_seconds) filter (where a.activity_type = 'Call'), 0) / 60 as call_minutes
from (
    select owner_user_id, activity_type, activity_date, call_seconds from task where status = 'Completed'
    union all
    select owner_user_id, activity_type, activity_date, null from event
) a
join crm_user u on u.crm_user_id = a.owner_user_id
cross join as_of
where a.activity_date <= as_of.as_of_date
group by all;

-- Stage entries: first entry per opportunity and stage; advanced = a later entry of a higher stage.
create table bound_stage_entries as
with entries as (
    select h.history_id, h.opportunity_id, h.stage_name, h.entered_at, h.entered_date,
        case h.stage_name when 'Prospecting' then 1 when 'Qualification' then 2 when 'Needs Analysis' then 3
            when 'Proposal' then 4 when 'Negotiation' then 5 when 'Closed Won' then 6 end as stage_order
    from opportunity_history h
    join opportunity o on o.opportunity_id = h.opportunity_id
    cross join as_of
    where h.entered_date <= as_of.as_of_date
),
firsts as (
    select *, count(*) over (partition by opportunity_id, stage_name) as times_entered from entries
    qualify row_number() over (partition by opportunity_id, stage_name order by entered_at, history_id) = 1
)
select f.opportunity_id, u.employee_id, f.stage_name, month_of(f.entered_date) as entered_month, f.times_entered,
    exists (select 1 from entries l where l.opportunity_id = f.opportunity_id and l.stage_order > f.stage_order
            and l.entered_at >= f.entered_at) as advanced
from firsts f
join opportunity o on o.opportunity_id = f.opportunity_id
left join crm_user u on u.crm_user_id = o.owner_user_id;

-- Collection: gross receivable (less credit notes) in CNY at the invoice-month rate, payments at the invoice's rate.
create table bound_collection as
with owners as (
    select a.customer_number, u.employee_id from account a left join crm_user u on u.crm_user_id = a.owner_user_id
    where a.customer_number is not null
    qualify row_number() over (partition by a.customer_number order by a.created_at, a.account_id) = 1
),
docs as (
    select d.*, coalesce(case when d.document_type = 'CRN' then o.salesperson_employee_id end,
                         d.salesperson_employee_id, ow.employee_id) as employee_id,
        case when d.currency = 'CNY' then 1 else fx.rate end as fx_rate
    from invoice d
    left join invoice o on d.document_type = 'CRN' and o.document_type = 'INV' and o.invoice_id = d.original_invoice_id
    left join owners ow on ow.customer_number = d.customer_number
    left join fx on fx.currency = d.currency
        and fx.rate_month = month_of(case when d.document_type = 'CRN' then coalesce(o.invoice_date, d.invoice_date)
                                          else d.invoice_date end)
),
credit_notes as (
    select original_invoice_id as invoice_id, sum(gross_amount) as credited from docs
    where document_type = 'CRN' and status <> 'VOID' and original_invoice_id is not null group by all
),
receivable as (
    select i.invoice_id, i.employee_id, i.due_date, month_of(i.due_date) as due_month, i.currency, i.fx_rate,
        i.payment_terms_days,
        case when i.status = 'VOID' then 0 else i.gross_amount - coalesce(c.credited, 0) end * i.fx_rate as receivable
    from docs i left join credit_notes c on c.invoice_id = i.invoice_id
    where i.document_type = 'INV'
),
collected as (
    select p.invoice_id,
        sum(p.amount * case when p.currency = r.currency or p.currency is null then r.fx_rate
                            else coalesce(fx.rate, 1) end) as collected,
        sum(case when p.payment_date <= r.due_date
                 then p.amount * case when p.currency = r.currency or p.currency is null then r.fx_rate
                                      else coalesce(fx.rate, 1) end else 0 end) as collected_on_time
    from payment p
    join receivable r on r.invoice_id = p.invoice_id
    left join fx on fx.currency = p.currency and fx.rate_month = month_of(p.payment_date)
    cross join as_of
    where p.payment_date <= as_of.as_of_date
    group by all
),
targets as (select * from read_csv('${SEEDS}/policy_collection_targets.csv', header = true))
select r.employee_id, r.due_month as month, count(*) as invoices_due, sum(r.receivable) as receivable_due,
    sum(coalesce(c.collected, 0)) as collected, sum(coalesce(c.collected_on_time, 0)) as collected_on_time,
    sum(coalesce(c.collected, 0)) / nullif(sum(r.receivable), 0) as collection_rate,
    sum(r.receivable * t.target_rate) / nullif(sum(r.receivable) filter (where t.target_rate is not null), 0)
        as collection_target
from receivable r
left join collected c on c.invoice_id = r.invoice_id
left join targets t on t.payment_terms_days = r.payment_terms_days
    and last_day(r.due_date) between t.effective_from and t.effective_to
where r.employee_id is not null
group by all;

-- Quarter-start coverage: accounts under contract on each quarter's first day (gaps and islands), per owner.
create table bound_start_customers as
with covering as (
    select account_id, contract_id, start_date, end_date,
        max(end_date) over (partition by account_id order by start_date, end_date, contract_id
                            rows between unbounded preceding and 1 preceding) as prior_end
    from contract
    where status <> 'Draft' and account_id is not null and start_date is not null and end_date is not null
        and end_date >= start_date
),
islands as (
    select *, sum(case when prior_end is null or start_date > prior_end + interval 1 day then 1 else 0 end)
        over (partition by account_id order by start_date, end_date, contract_id) as span_no
    from covering
),
spans as (select account_id, span_no, min(start_date) as span_start, max(end_date) as span_end from islands group by all),
quarters as (
    select cast(q as date) as quarter_start
    from as_of, range(date '2023-01-01', as_of.as_of_date + interval 1 day, interval 3 month) t(q)
)
select q.quarter_start, u.employee_id, count(distinct s.account_id) as start_customers
from quarters q
join spans s on q.quarter_start between s.span_start and s.span_end
join account a on a.account_id = s.account_id
left join crm_user u on u.crm_user_id = a.owner_user_id
group by all;
