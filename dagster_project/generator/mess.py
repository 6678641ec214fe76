"""The deliberate mess real extracts have, added deterministically so the warehouse's handling can be tested.

Everything here is fixed by the seed and listed so a test (or a person) can find it:

Deletes (a later CHANGE delivery carries the record again with `IsDeleted`/`is_deleted` = true):
- about 0.2% of opportunities (at least 2): deals lost before 2025, deleted during 2025;
- about 0.1% of tasks (at least 3), deleted 1-8 weeks after they happened (2025 only);
- one prospect account that never won a deal, deleted in June 2025 (its lost deals still point at it);
- one contract (a Draft that was never activated, else an expired one), deleted in September 2025;
- one VOID invoice, deleted a month or more after it was voided;
- one payment: a duplicate posting of a real payment (same invoice, day and amount) deleted 10-25 days later.

Updates across deliveries need no extra work: deals are re-delivered at each stage change (with a later
`SystemModstamp`, a new `StageName` and, at Proposal, a revised `Amount`); invoices at each status change;
employees at each move or raise; accounts when their type or owner changes; targets when revised.

Orphans (kept and reported by the warehouse, never dropped):
- one won opportunity whose `AccountId` is a well-formed account id that no account has;
- one payment whose `invoice_id` (INV-9999999) matches no invoice.

Malformed rows (`MALFORMED`, 10 lines in three CHANGE deliveries), written by editing the CSV text after it is
written; each line is an extra row (its key is fresh or empty, so no good row is lost) with exactly one fault and
is otherwise valid RFC 4180: a wrong column count (an extra field), an unparsable date (2025-02-30), an unparsable
number ("12,5", quoted, and "abc"), a missing key (empty id), an unknown enum value (StageName "Won-ish") and a
negative amount (Amount -100). The counts `generate` returns are good rows only.

Re-delivery: `crm/opportunity/opportunity_20250331.csv` is delivered again, byte-identical, as
`opportunity_20250331_2.csv`; the ingest must skip it by SHA-256.
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

from .accounts import Accounts
from .finance import Invoices, Payments
from .ids import ACCOUNT, OPPORTUNITY, TASK, sf_ids
from .people import Staff
from .pipeline import ACQUISITION, LOST, WON, Deals
from .table import Table, materialize
from .timeline import DAY, END_SEC, FULL_CUTOFF_SEC, day

ORPHAN_INVOICE_ID = "INV-9999999"
REDELIVERED = ("crm", "opportunity", "opportunity_20250331.csv")

# (system, entity, file date, column to spoil, spoiled value); column None = an extra trailing field
MALFORMED: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("crm", "opportunity", "20250228", None, "unexpected"),
    ("crm", "opportunity", "20250228", "CloseDate", "2025-02-30"),
    ("crm", "opportunity", "20250228", "Amount", "12,5"),
    ("crm", "opportunity", "20250228", "StageName", "Won-ish"),
    ("crm", "opportunity", "20250228", "Amount", "-100"),
    ("finance", "invoice", "20250430", "net_amount", "abc"),
    ("finance", "invoice", "20250430", "invoice_id", ""),
    ("finance", "invoice", "20250430", "due_date", "2025-04-31"),
    ("crm", "task", "20250531", "Id", ""),
    ("crm", "task", "20250531", None, "unexpected"),
)
_FRESH_KEYS = {
    ("crm", "opportunity"): ("Id", lambda k: str(sf_ids(OPPORTUNITY, np.array([90_000_000 + k]))[0])),
    ("finance", "invoice"): ("invoice_id", lambda k: f"INV-{9_000_000 + k}"),
    ("crm", "task"): ("Id", lambda k: str(sf_ids(TASK, np.array([90_000_000 + k]))[0])),
}


def add_orphan_deal(deals: Deals, accts: Accounts, staff: Staff) -> Deals:
    """Append one won deal (May 2025) on an account id that does not exist."""
    rep = staff.reps[staff.active(staff.reps, np.full(len(staff.reps), day("2025-05-20")))][0]
    created, close = day("2025-04-10"), day("2025-05-20")
    one = {
        "acc": -1, "account_id": str(sf_ids(ACCOUNT, np.array([len(accts) + 50_000]))[0]), "owner": rep,
        "created_sec": created * DAY + 3 * 3600, "close_day": close, "close_sec": close * DAY + 6 * 3600,
        "planned_close": close, "outcome": WON, "kind": ACQUISITION, "direct": False, "new_business": True,
        "currency": 0, "amount": 8_800_000, "amount0": 8_800_000, "amount_cny": 8_800_000,
        "product": "Core Platform", "source": "Web", "name": "Unregistered Prospect - Core Platform 2025",
    }
    values = {}
    for f in fields(deals):
        if f.name == "ids":
            continue
        current = getattr(deals, f.name)
        values[f.name] = np.concatenate([current, np.array([one[f.name]], dtype=current.dtype)])
    return replace(deals, **values)


def add_payment_oddities(pay: Payments, inv: Invoices, accts: Accounts,
                         rng: np.random.Generator) -> tuple[Payments, int]:
    """Append the orphan payment and a duplicate posting (to be deleted); returns the duplicate's position."""
    full_2025 = np.flatnonzero((pay.amount > 0) & (pay.day >= day("2025-02-01")) & (pay.day <= day("2025-10-31")))
    src = int(rng.choice(full_2025))
    orphan_customer = accts.number[int(rng.integers(0, len(accts)))]
    extra = {
        "inv": [pay.inv[src], -1],
        "invoice_id": [pay.invoice_id[src], ORPHAN_INVOICE_ID],
        "customer": [pay.customer[src], orphan_customer],
        "day": [pay.day[src], day("2025-06-16")],
        "amount": [pay.amount[src], 4_520_000],
        "currency": [pay.currency[src], 0],
        "method": [pay.method[src], "Bank Transfer"],
        "counts_for_status": [False, True],
    }
    values = {
        f.name: np.concatenate([getattr(pay, f.name), np.array(extra[f.name], dtype=getattr(pay, f.name).dtype)])
        for f in fields(pay)
    }
    return Payments(**values), len(pay.inv)


def delete_records(table: Table, recs: np.ndarray, when: np.ndarray) -> Table:
    """Add a deleted version of each record: its latest version, flagged, stamped at `when` (or a day after its
    latest change if that is later); records that would be deleted after the last delivery are left alone.

    `table` grows in place (and is returned, finalized): the generator holds one copy of its largest tables."""
    if not len(recs):
        return table
    last = np.flatnonzero(np.append(table.rec[1:] != table.rec[:-1], True))
    pos = np.searchsorted(table.rec[last], recs)
    rows = last[pos]
    if not (table.rec[rows] == recs).all():
        raise ValueError(f"{table.extract.name}: unknown record to delete")
    stamp = np.maximum(when, table.stamp[rows] + DAY)
    keep = stamp <= END_SEC
    dead = table.take(rows[keep])
    cols = dict(dead.cols)
    cols[table.extract.deleted_flag] = np.ones(keep.sum(), bool)
    dead = Table(table.extract, cols, dead.rec, stamp[keep], table.decimals)
    return table.append(dead).finalize()


def _values(table: Table, name: str, rows: np.ndarray) -> np.ndarray:
    """Plain values of column `name` at `rows` (text columns may be held coded: see `table`)."""
    return materialize(table.cols[name][rows])


def _last_rows(table: Table) -> np.ndarray:
    return np.flatnonzero(np.append(table.rec[1:] != table.rec[:-1], True))


def _in_2025(rng: np.random.Generator, n: int, first: str = "2025-02-01", last: str = "2025-11-30") -> np.ndarray:
    return (rng.integers(day(first), day(last) + 1, n)) * DAY + 4 * 3600


#: The order in which the deletes draw from the one "mess" random stream. The draws depend on each table, so the
#: tables must be built, given their deletes and written in this order for the output to stay the same.
DELETE_ORDER = (
    "crm__opportunity", "crm__task", "crm__account", "crm__contract", "finance__invoice", "finance__payment",
)


class Deletes:
    """Adds the deletes listed in the module docstring to each table as it is built, so no table waits in memory
    for another; refuses a table out of `DELETE_ORDER` (it would silently change every later delete)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._done = 0

    def _turn(self, table: Table) -> None:
        expected = DELETE_ORDER[self._done] if self._done < len(DELETE_ORDER) else None
        if table.extract.name != expected:
            raise ValueError(f"deletes for {table.extract.name} out of order: {expected} is next")
        self._done += 1

    def opportunities(self, opp: Table, deals: Deals) -> Table:
        """Deals lost before 2025, deleted during 2025."""
        self._turn(opp)
        rng = self._rng
        last = _last_rows(opp)
        cand = opp.rec[last[(_values(opp, "StageName", last) == "Closed Lost") & (opp.stamp[last] <= FULL_CUTOFF_SEC)]]
        cand = cand[deals.outcome[cand] == LOST]
        k = min(len(cand), max(2, round(0.002 * len(deals))))
        return delete_records(opp, np.sort(rng.choice(cand, k, replace=False)), _in_2025(rng, k))

    def tasks(self, task: Table) -> Table:
        """Tasks of the first half of 2025, deleted 1-8 weeks after they happened."""
        self._turn(task)
        rng = self._rng
        last = _last_rows(task)
        cand = last[(_values(task, "ActivityDate", last) <= day("2025-06-30")) & (task.stamp[last] > FULL_CUTOFF_SEC)]
        k = min(len(cand), max(3, round(0.001 * len(task))))
        rows = np.sort(rng.choice(cand, k, replace=False))
        return delete_records(task, task.rec[rows], task.stamp[rows] + rng.integers(7, 57, k) * DAY)

    def account(self, acc: Table, deals: Deals, accts: Accounts) -> Table:
        """One prospect account that never won a deal, deleted in June 2025."""
        self._turn(acc)
        last = _last_rows(acc)
        never_won = np.setdiff1d(np.arange(len(accts)), deals.acc[deals.booked & (deals.acc >= 0)])
        early = acc.stamp[last] < day("2025-05-01") * DAY
        prospects = acc.rec[last[(_values(acc, "Type", last) == "Prospect") & early]]
        pool = np.intersect1d(never_won, prospects)
        if not len(pool):
            return acc
        pick = np.array([pool[int(self._rng.integers(0, len(pool)))]])
        return delete_records(acc, pick, np.array([day("2025-06-12") * DAY + 2 * 3600]))

    def contract(self, con: Table) -> Table:
        """One Draft contract never activated (else an expired one), deleted in September 2025."""
        self._turn(con)
        last = _last_rows(con)
        status = _values(con, "Status", last)
        draft = last[(status == "Draft") & (_values(con, "StartDate", last) <= day("2025-06-30"))]
        pool = draft if len(draft) else last[status == "Expired"]
        if not len(pool):
            return con
        row = pool[int(self._rng.integers(0, len(pool)))]
        return delete_records(con, con.rec[[row]], np.array([day("2025-09-09") * DAY + 2 * 3600]))

    def invoice(self, inv: Table) -> Table:
        """One VOID invoice, deleted a month or more after it was voided."""
        self._turn(inv)
        last = _last_rows(inv)
        voided = last[(_values(inv, "status", last) == "VOID") & (inv.stamp[last] < day("2025-08-01") * DAY)]
        if not len(voided):
            return inv
        row = voided[int(self._rng.integers(0, len(voided)))]
        when = max(int(inv.stamp[row]) + 30 * DAY, day("2025-01-15") * DAY)
        return delete_records(inv, inv.rec[[row]], np.array([when]))

    def payment(self, pay: Table, pay_ids: np.ndarray, dup: int) -> Table:
        """The duplicate posting (`add_payment_oddities`), deleted 10-25 days later."""
        self._turn(pay)
        rec = pay.rec[np.flatnonzero(materialize(pay.cols["payment_id"]) == pay_ids[dup])]
        return delete_records(pay, rec, pay.stamp[pay.rec == rec[0]] + self._rng.integers(10, 26) * DAY)


def inject_malformed(out_dir: Path) -> int:
    """Insert the `MALFORMED` lines into the middle of their files; returns how many were written."""
    by_file: dict[Path, list[tuple[str | None, str]]] = {}
    for system, entity, date, column, value in MALFORMED:
        by_file.setdefault(out_dir / system / entity / f"{entity}_{date}.csv", []).append((column, value))
    written = 0
    for k, (path, faults) in enumerate(by_file.items()):
        system, entity = path.parent.parent.name, path.parent.name
        lines = path.read_text(encoding="utf-8").split("\n")
        header, body = lines[0], [ln for ln in lines[1:] if ln]
        if not body:
            raise ValueError(f"{path}: no row to copy a malformed line from")
        names = next(csv.reader([header]))
        flag = names.index("IsDeleted" if system == "crm" else "is_deleted")
        template = next(r for r in csv.reader(body) if r[flag] == "false")
        key_col, fresh = _FRESH_KEYS[(system, entity)]
        bad_lines = []
        for j, (column, value) in enumerate(faults):
            row = dict(zip(names, template, strict=True))
            row[key_col] = fresh(10 * k + j)
            if column is not None:
                row[column] = value
            buf = io.StringIO()
            csv.writer(buf, lineterminator="").writerow([row[c] for c in names])
            line = buf.getvalue()
            if column is None:
                line += "," + value
            bad_lines.append(line)
        middle = len(body) // 2
        body = body[:middle] + bad_lines + body[middle:]
        path.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
        written += len(bad_lines)
    return written


def redeliver(out_dir: Path) -> Path:
    """Copy the chosen monthly delivery byte for byte as its `_2` re-delivery."""
    src = out_dir.joinpath(*REDELIVERED)
    dst = src.with_name(src.stem + "_2.csv")
    shutil.copyfile(src, dst)
    return dst
