"""Synthetic landing data for the sales performance warehouse (`spm generate`).

`generate` writes a landing folder that honours the contract of docs/sources.md / `extracts.py` and carries enough
realism for every KPI, the retention and collection rules, grading and the pay statement to produce non-trivial
values, plus the mess real extracts have (see `mess`). Scale 1 is about 100 reps, 10,000 accounts, 60,000
opportunities, a million tasks, about 55,000 invoices and as many payments over 2023-01-01..2025-12-31; fractions
of a scale keep the minimums grading needs (20 reps, 3 teams, 60 accounts).

Streaming: the small entities everything hangs off (organisation, accounts, deals, contracts, invoices, payments)
are drawn first and kept; then each extract's table is built, given its deletes, written a batch of rows at a time
and dropped before the next is built, and its large text columns are held coded (see `table`). Scale 10 (ten million
tasks) thus peaked at 1.5 GB, where holding every table at once needed 1.6 GB at scale 1 and 7 GB at scale 5.

Determinism: the same (scale, seed) gives byte-identical files. Each part draws from its own
`numpy.random.default_rng([seed, stream])`, so changing one module never shifts another's numbers; nothing reads
the clock, and no ordering depends on sets, dict hashing or `hash()`.

Module map: `people` (organisation, HR history, training), `accounts`, `pipeline` (deals, stage history, splits,
contracts), `activity` (leads, tasks), `finance` (invoices, payments) with `fx`, `planning` (targets), `surveys`
(CSAT, 360 reviews), `service` (orders, cases, service surveys, usage), `mess` (deletes, orphans, malformed rows,
re-delivery), `deliveries` (file cutting and CSV),
`table` (typed columns and text formats), `timeline` (dates and the delivery calendar), `ids`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import accounts, activity, expenses, finance, fx, mess, people, pipeline, planning, service, surveys
from .deliveries import Mode, write_extract
from .names import LOCALES, Namer
from .table import Table

__all__ = ["LOCALES", "generate"]

# one independent random stream per part (never renumber: it would change every file)
_STREAMS = {
    "staff": 1, "fx": 2, "accounts": 3, "deals": 4, "stages": 5, "splits": 6, "contracts": 7, "account_versions": 8,
    "leads": 9, "tasks": 10, "invoices": 11, "payments": 12, "invoice_versions": 13, "targets": 14, "csat": 15,
    "reviews": 16, "training": 17, "mess": 18, "events": 19, "names": 20,
    "orders": 21, "cases": 22, "service_surveys": 23, "usage": 24, "expenses": 25,
}
#: the order of the returned counts (and of the progress lines before the generator streamed)
_EXTRACT_ORDER = (
    "crm__account", "crm__opportunity", "crm__opportunity_history", "crm__contract", "crm__lead", "crm__task",
    "crm__event", "crm__opportunity_split", "finance__invoice", "finance__payment", "finance__fx_rate",
    "hr__employee", "hr__training", "planning__target", "surveys__csat_response", "surveys__review_360",
    "crm__case", "crm__order", "surveys__service_survey", "product__usage", "finance__expense",
)


def generate(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 42,
    progress: Callable[[str], None] | None = None,
    locale: str = "en",
) -> dict[str, int]:
    """Write the landing folder under `out_dir`; returns good rows written per extract name (`crm__opportunity`).

    Counts cover every delivery file except the byte-identical re-delivery (which the ingest skips) and exclude
    the deliberately malformed lines. `locale` (`en`, `zh-CN`) chooses the names of people, teams, regions and
    customers only (names.py): every other value is the same in both.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    say = progress or (lambda _line: None)

    def rng(stream: str) -> np.random.Generator:
        return np.random.default_rng([seed, _STREAMS[stream]])

    namer = Namer.for_locale(locale, rng("names"))
    staff = people.build_staff(scale, rng("staff"), namer)
    rates = fx.build_fx(rng("fx"))
    accts = accounts.build_accounts(staff, scale, rng("accounts"), namer)
    say(f"organisation: {len(staff.reps):,} reps in {len(staff.team_id)} teams; {len(accts):,} accounts")

    deals, contracts = pipeline.build_deals(accts, staff, rates, rng("deals"))
    deals = mess.add_orphan_deal(deals, accts, staff)
    pipeline.assign_ids(deals)
    active = ~contracts.abandoned
    segments = accounts.coverage_segments(
        contracts.acc[active], contracts.start[active], contracts.final_end[active], contracts.won_sec[active]
    )
    say(f"deals: {len(deals):,} opportunities ({int(deals.booked.sum()):,} won), {len(contracts.acc):,} contracts")

    inv = finance.build_invoices(deals, accts, staff, rng("invoices"))
    pay = finance.build_payments(inv, accts, rng("payments"))
    pay, dup = mess.add_payment_oddities(pay, inv, accts, rng("mess"))
    say(f"finance: {len(inv.doc_id):,} invoices and credit notes, {len(pay.inv):,} payments")

    counts: dict[str, int] = {}

    def write(table: Table) -> None:
        """Write one extract's deliveries; the caller drops the table right after, so at most one large table
        is held at a time (with the small entities everything else is derived from)."""
        name = table.extract.name
        mode: Mode = "history" if name == "hr__employee" else "single" if name == "finance__fx_rate" else "changes"
        rows, files = write_extract(out_dir, table, mode)
        counts[name] = rows
        say(f"{name}: {rows:,} rows in {files} files")

    # the tables with deletes first, in the order their deletes draw from the "mess" stream (mess.DELETE_ORDER)
    deletes = mess.Deletes(rng("mess"))
    stage_rows = pipeline.stage_rows(deals, rng("stages"))
    opp_table, history = pipeline.opportunity_tables(deals, staff, stage_rows, rng("stages"))
    del stage_rows
    write(deletes.opportunities(opp_table, deals))
    del opp_table
    write(history)
    del history
    n_tasks = max(2_000, round(1_000_000 * scale))
    write(deletes.tasks(activity.task_table(accts, deals, staff, n_tasks, rng("tasks"))))
    write(deletes.account(accounts.account_table(accts, staff, segments, rng("account_versions")), deals, accts))
    write(deletes.contract(pipeline.contract_table(contracts, accts, staff, rng("contracts"))))
    # after-sales service (issue 28): new extracts on streams of their own, written after the contracts' ids exist
    write(service.order_table(contracts, deals, accts, staff, rng("orders")))
    write(service.usage_table(contracts, accts, rng("usage")))
    del contracts
    write(deletes.invoice(finance.invoice_table(inv, pay, accts, deals, rng("invoice_versions"))))
    pay_table, pay_ids = finance.payment_table(pay, rng("payments"))
    write(deletes.payment(pay_table, pay_ids, dup))
    del pay_table, pay_ids, inv, pay

    # the rest draw from streams of their own, so their order is free
    write(activity.lead_table(accts, deals, staff, len(accts) / len(staff.reps), rng("leads")))
    write(activity.event_table(accts, staff, max(200, round(60_000 * scale)), rng("events")))
    write(pipeline.split_table(deals, staff, rng("splits")))
    write(fx.fx_table(rates))
    write(staff.table)
    write(people.training_table(staff, rng("training")))
    write(planning.target_table(staff, deals, accts, rng("targets")))
    write(surveys.csat_table(accts, staff, segments, rng("csat")))
    write(surveys.review_table(accts, staff, rng("reviews")))
    cases = service.case_table(accts, staff, segments, rng("cases"))
    write(cases)
    write(service.service_survey_table(cases, accts, staff, segments, rng("service_surveys")))
    del cases
    # last, from a stream of its own: adding the expense extract changed no other file
    write(expenses.expense_table(staff, rng("expenses")))

    bad = mess.inject_malformed(out_dir)
    copy = mess.redeliver(out_dir)
    say(f"mess: {bad} malformed lines, re-delivered {copy.name}")
    return {name: counts[name] for name in _EXTRACT_ORDER}
