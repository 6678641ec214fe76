"""The monthly pay statement of a built warehouse against an INDEPENDENT re-computation from the raw extracts.

The re-computation below never reads the warehouse or the dbt models: it reads the landing CSV files with the
`csv` module, applies the landing contract of docs/sources.md (current state = latest change stamp, a tie to the later
file; deletes; malformed rows dropped), the metric definitions of docs/metrics.md and the pay rules of docs/pay.md
with Python `Decimal`, and the clawback rule as documented on int_pay_clawbacks. It must agree with
`marts.mart_pay_statement` to the cent, for every rep, month and line, on the generated landing folder
of the session warehouse (tests/conftest.py). A fresh build has no published quarter, so capability uses the
new-hire factor 1.0 and no CSAT bonus is paid; both are asserted.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from conftest import BuiltWarehouse

from dagster_project.pay import StatementNotFoundError, explain_pay, export_statements
from dagster_project.pay.common import LINES
from dagster_project.settings import DEFAULT_TIMEZONE

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
SPM = Path(sys.executable).parent / "spm"
TZ = ZoneInfo(DEFAULT_TIMEZONE)  # the zone the session build reads business dates in (conftest.settings_for)
CENT = Decimal("0.01")

# ---------------------------------------------------------------------------------------------------------------
# Policy defaults of docs/pay.md / docs/metrics.md, written out here on purpose (not read from the dbt seeds).
VARIABLE_RATIO = {"Sales Rep": Decimal("0.6"), "Senior Sales Rep": Decimal("0.8")}
WEIGHTS = {"attainment": Decimal("0.35"), "new_customers": Decimal("0.05"), "collection": Decimal("0.10")}
TIER_WEIGHT = {"A": Decimal("2"), "B": Decimal("1.5"), "C": Decimal("1")}
COLLECTION_TARGET = {0: Decimal("0.98"), 30: Decimal("0.95"), 60: Decimal("0.92"), 90: Decimal("0.90")}
STAGES = {"Prospecting", "Qualification", "Needs Analysis", "Proposal", "Negotiation", "Closed Won", "Closed Lost"}


def payout_factor(a: Decimal) -> Decimal:
    """The tiered table of docs/pay.md."""
    if a < Decimal("0.80"):
        return Decimal(0)
    if a <= Decimal("1.00"):
        return a
    if a <= Decimal("1.20"):
        return 1 + Decimal("1.5") * (a - 1)
    return min(Decimal("1.30") + 2 * (a - Decimal("1.20")), Decimal("2.00"))


def cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)  # half away from zero, also for negatives


# ---------------------------------------------------------------------------------------------------------------
# Landing reader: every delivery, oldest file first; malformed rows dropped; current state per key.
def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _bool(text: str) -> bool | None:
    low = text.strip().lower()
    return True if low in ("true", "1") else False if low in ("false", "0") else None


def _valid(value: str, kind: str) -> bool:
    if value == "":
        return True
    try:
        if kind == "date":
            date.fromisoformat(value)
        elif kind == "ts":
            _ts(value)
        elif kind == "dec":
            Decimal(value)
            return Decimal(value).is_finite()
        elif kind == "dec+":
            return Decimal(value).is_finite() and Decimal(value) >= 0
        elif kind == "int":
            int(value)
        elif kind == "bool":
            return _bool(value) is not None
        elif isinstance(kind, set):
            return value in kind
    except (ValueError, ArithmeticError):
        return False
    return True


@dataclass
class Extract:
    path: str
    key: tuple[str, ...]
    stamp: str
    deleted: str
    kinds: dict[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()


EXTRACTS = {
    "employee": Extract(
        "hr/employee",
        ("employee_id",),
        "updated_at",
        "is_deleted",
        {
            "hire_date": "date",
            "termination_date": "date",
            "base_monthly_salary": "dec+",
            "updated_at": "ts",
            "is_deleted": "bool",
        },
        ("employee_id", "updated_at"),
    ),
    "opportunity": Extract(
        "crm/opportunity",
        ("Id",),
        "SystemModstamp",
        "IsDeleted",
        {
            "StageName": STAGES,
            "Amount": "dec+",
            "CloseDate": "date",
            "CreatedDate": "ts",
            "IsWon": "bool",
            "IsClosed": "bool",
            "IsDeleted": "bool",
            "SystemModstamp": "ts",
        },
        ("Id", "OwnerId", "StageName", "CloseDate", "CreatedDate", "IsWon", "SystemModstamp"),
    ),
    "history": Extract(
        "crm/opportunity_history",
        ("Id",),
        "CreatedDate",
        "IsDeleted",
        {"StageName": STAGES, "CreatedDate": "ts", "IsDeleted": "bool", "Amount": "dec+"},
        ("Id", "OpportunityId", "StageName", "CreatedDate"),
    ),
    "split": Extract(
        "crm/opportunity_split",
        ("Id",),
        "SystemModstamp",
        "IsDeleted",
        {"SplitPercentage": "dec+", "IsDeleted": "bool", "SystemModstamp": "ts"},
        ("Id", "OpportunityId", "SplitOwnerId", "SplitPercentage", "SystemModstamp"),
    ),
    "account": Extract(
        "crm/account",
        ("Id",),
        "SystemModstamp",
        "IsDeleted",
        {"CreatedDate": "ts", "IsDeleted": "bool", "SystemModstamp": "ts", "Customer_Tier__c": {"A", "B", "C"}},
        ("Id", "SystemModstamp"),
    ),
    "task": Extract(
        "crm/task",
        ("Id",),
        "SystemModstamp",
        "IsDeleted",
        {
            "ActivityDate": "date",
            "IsDeleted": "bool",
            "SystemModstamp": "ts",
            "CallDurationInSeconds": "int",
            "Type": {"Call", "Visit", "Email", "Meeting", "Demo", "Proposal"},
        },
        ("Id", "OwnerId", "Type", "ActivityDate", "Status", "SystemModstamp"),
    ),
    "invoice": Extract(
        "finance/invoice",
        ("invoice_id",),
        "updated_at",
        "is_deleted",
        {
            "document_type": {"INV", "CRN"},
            "invoice_date": "date",
            "due_date": "date",
            "payment_terms_days": "int",
            "net_amount": "dec",
            "tax_amount": "dec",
            "gross_amount": "dec",
            "status": {"OPEN", "PARTIAL", "PAID", "VOID"},
            "is_deleted": "bool",
            "updated_at": "ts",
        },
        (
            "invoice_id",
            "document_type",
            "customer_number",
            "invoice_date",
            "due_date",
            "payment_terms_days",
            "currency",
            "updated_at",
        ),
    ),
    "payment": Extract(
        "finance/payment",
        ("payment_id",),
        "updated_at",
        "is_deleted",
        {"payment_date": "date", "amount": "dec", "is_deleted": "bool", "updated_at": "ts"},
        ("payment_id", "invoice_id", "payment_date", "amount", "updated_at"),
    ),
    "fx": Extract(
        "finance/fx_rate",
        ("rate_month", "currency"),
        "updated_at",
        "",
        {"rate_to_reporting": "dec+", "updated_at": "ts"},
        ("rate_month", "currency", "rate_to_reporting", "updated_at"),
    ),
    "target": Extract(
        "planning/target",
        ("employee_id", "period_month", "metric"),
        "updated_at",
        "is_deleted",
        {"target_value": "dec", "is_deleted": "bool", "updated_at": "ts", "metric": {"revenue", "new_customers"}},
        ("employee_id", "period_month", "metric", "updated_at"),
    ),
}


def read_rows(landing: Path, ex: Extract) -> list[dict[str, Any]]:
    """All good rows of all deliveries, each with its file order and row number (file name order = delivery order)."""
    rows: list[dict[str, Any]] = []
    for order, path in enumerate(sorted((landing / ex.path).glob("*.csv"))):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            for number, values in enumerate(reader, start=1):
                if len(values) != len(header):
                    continue
                row = dict(zip(header, values, strict=True))
                if any(row.get(k, "") == "" for k in ex.required):
                    continue
                if not all(_valid(row.get(c, ""), kind) for c, kind in ex.kinds.items()):
                    continue
                row["_order"] = (order, number)
                rows.append(row)
    return rows


def current(rows: list[dict[str, Any]], ex: Extract) -> dict[Any, dict[str, Any]]:
    """Current state: per key the row with the latest change stamp (tie: later file, later row); deletes drop out."""
    best: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[k] for k in ex.key)
        rank = (_ts(row[ex.stamp]), row["_order"])
        if key not in best or rank > best[key]["_rank"]:
            best[key] = {**row, "_rank": rank}
    return {k: r for k, r in best.items() if not (ex.deleted and _bool(r.get(ex.deleted, "")) is True)}


def business_date(stamp: str) -> date:
    return _ts(stamp).astimezone(TZ).date()


def month_of(d: date) -> date:
    return d.replace(day=1)


def month_end(m: date) -> date:
    return (m.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def dec(text: str) -> Decimal | None:
    return Decimal(text) if text != "" else None


# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Version:
    employee_id: str
    valid_from: date
    valid_to: date
    row: dict[str, Any]


def employee_versions(landing: Path) -> dict[str, list[Version]]:
    """Type-2 history (docs/sources.md, HR): a version is in force from its updated_at business date until the next;
    the first also covers every earlier date; several on one date: the latest stamp; a deleted employee is gone."""
    ex = EXTRACTS["employee"]
    rows = read_rows(landing, ex)
    by_emp: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_emp[r["employee_id"]].append(r)
    out: dict[str, list[Version]] = {}
    for emp, items in by_emp.items():
        latest = max(items, key=lambda r: (_ts(r["updated_at"]), r["_order"]))
        if _bool(latest["is_deleted"]) is True:
            continue
        per_day: dict[date, dict[str, Any]] = {}
        for r in items:
            d = business_date(r["updated_at"])
            if d not in per_day or (_ts(r["updated_at"]), r["_order"]) > (
                _ts(per_day[d]["updated_at"]),
                per_day[d]["_order"],
            ):
                per_day[d] = r
        days = sorted(d for d, r in per_day.items() if _bool(r["is_deleted"]) is not True)
        versions = []
        for i, d in enumerate(days):
            start = date(1900, 1, 1) if i == 0 else d
            end = days[i + 1] - timedelta(days=1) if i + 1 < len(days) else date(9999, 12, 31)
            versions.append(Version(emp, start, end, per_day[d]))
        if versions:
            out[emp] = versions
    return out


def version_on(versions: list[Version], d: date) -> Version | None:
    return next((v for v in versions if v.valid_from <= d <= v.valid_to), None)


@dataclass
class Statement:
    employee_id: str
    month: date
    lines: dict[str, Decimal]
    inputs: dict[str, Any]


def recompute(landing: Path) -> dict[tuple[str, date], Statement]:
    """Every monthly pay statement, from the landing folder alone."""
    with localcontext() as ctx:
        ctx.prec = 60
        return _recompute(landing)


def _recompute(landing: Path) -> dict[tuple[str, date], Statement]:
    versions = employee_versions(landing)
    users: dict[str, tuple[date, str]] = {}
    for emp, vs in versions.items():
        for v in vs:
            uid = v.row["crm_user_id"]
            if uid and (uid not in users or v.valid_from > users[uid][0]):
                users[uid] = (v.valid_from, emp)
    user_employee = {uid: emp for uid, (_, emp) in users.items()}

    cur = {name: current(read_rows(landing, ex), ex) for name, ex in EXTRACTS.items() if name != "employee"}
    fx = {
        (date.fromisoformat(r["rate_month"] + "-01"), r["currency"]): Decimal(r["rate_to_reporting"])
        for r in cur["fx"].values()
    }

    def rate(currency: str, d: date) -> Decimal:
        return Decimal(1) if currency == "CNY" else fx[(month_of(d), currency)]

    opps = {r["Id"]: r for r in cur["opportunity"].values()}
    stamps = [business_date(r["SystemModstamp"]) for r in opps.values()]
    stamps += [business_date(r["SystemModstamp"]) for r in cur["task"].values()]
    stamps += [business_date(r["updated_at"]) for r in cur["invoice"].values()]
    stamps += [business_date(r["updated_at"]) for r in cur["payment"].values()]
    as_of = max(stamps)
    first_month = min(month_of(date.fromisoformat(r["CloseDate"])) for r in opps.values())

    # bookings (docs/metrics.md): won deals in CNY at the close-month rate, credited by split else to the owner
    splits: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in cur["split"].values():
        splits[s["OpportunityId"]].append(s)
    credits: dict[str, list[tuple[str | None, Decimal]]] = {}
    deal_cny: dict[str, Decimal] = {}
    bookings: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for oid, o in opps.items():
        if not _bool(o["IsWon"]):
            continue
        close = date.fromisoformat(o["CloseDate"])
        amount_cny = Decimal(o["Amount"] or "0") * rate(o["CurrencyIsoCode"], close)
        shares = (
            [(user_employee.get(s["SplitOwnerId"]), Decimal(s["SplitPercentage"]) / 100) for s in splits[oid]]
            if splits[oid]
            else [(user_employee.get(o["OwnerId"]), Decimal(1))]
        )
        credits[oid] = [(emp, amount_cny * share) for emp, share in shares]
        deal_cny[oid] = amount_cny
        for emp, credited in credits[oid]:
            if emp is not None:
                bookings[(emp, month_of(close))] += credited

    targets: dict[tuple[str, date, str], Decimal] = {}
    for t in cur["target"].values():
        if t["target_value"] != "":
            targets[(t["employee_id"], date.fromisoformat(t["period_month"] + "-01"), t["metric"])] = Decimal(
                t["target_value"]
            )

    # customer development (docs/metrics.md): first Negotiation / Closed Won ever per account, credited to the owner
    accounts = {r["Id"]: r for r in cur["account"].values()}
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for h in cur["history"].values():
        if h["OpportunityId"] in opps:
            history[h["OpportunityId"]].append(h)
    milestones: dict[str, list[tuple[date, str, int]]] = defaultdict(list)
    for oid, o in opps.items():
        if not o["AccountId"]:
            continue
        rows = sorted(history[oid], key=lambda h: (_ts(h["CreatedDate"]), h["Id"]))
        created_won = bool(rows) and rows[0]["StageName"] == "Closed Won"
        hits = [h for h in rows if h["StageName"] in ("Negotiation", "Closed Won")]
        if created_won or (_bool(o["IsWon"]) and not hits):
            milestones[o["AccountId"]].append((date.fromisoformat(o["CloseDate"]), oid, 2))
        else:
            for h in hits:
                milestones[o["AccountId"]].append(
                    (business_date(h["CreatedDate"]), oid, 1 if h["StageName"] == "Negotiation" else 2)
                )
    new_customers: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for account_id, items in milestones.items():
        items = [m for m in items if m[0] <= as_of]
        if not items or account_id not in accounts:
            continue
        when, oid, _ = min(items)
        emp = user_employee.get(opps[oid]["OwnerId"])
        if emp is not None:
            tier = accounts[account_id]["Customer_Tier__c"]
            new_customers[(emp, month_of(when))] += TIER_WEIGHT.get(tier, Decimal(1))

    # collection (docs/metrics.md): receivable net of credit notes at the invoice-month rate; payments at that rate
    by_customer: dict[str, tuple[datetime, str]] = {}
    for a in accounts.values():
        if a["AccountNumber"]:
            rank = (_ts(a["CreatedDate"]) if a["CreatedDate"] else datetime.max.replace(tzinfo=TZ), a["Id"])
            if a["AccountNumber"] not in by_customer or rank < by_customer[a["AccountNumber"]]:
                by_customer[a["AccountNumber"]] = rank
    customer_owner = {num: user_employee.get(accounts[aid]["OwnerId"]) for num, (_, aid) in by_customer.items()}
    docs = {r["invoice_id"]: r for r in cur["invoice"].values()}
    invoices = {i: d for i, d in docs.items() if d["document_type"] == "INV"}
    crns = [
        d
        for d in docs.values()
        if d["document_type"] == "CRN" and d["status"] != "VOID" and d["original_invoice_id"] in invoices
    ]
    inv_rate = {i: rate(d["currency"], date.fromisoformat(d["invoice_date"])) for i, d in invoices.items()}
    credit_notes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in crns:
        credit_notes[c["original_invoice_id"]].append(c)
    payments: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for p in cur["payment"].values():
        inv = invoices.get(p["invoice_id"])
        if inv is None:
            continue
        pdate = date.fromisoformat(p["payment_date"])
        fx_rate = inv_rate[p["invoice_id"]] if p["currency"] in ("", inv["currency"]) else rate(p["currency"], pdate)
        payments[p["invoice_id"]].append((pdate, Decimal(p["amount"]) * fx_rate))
    due: dict[tuple[str, date], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for i, d in invoices.items():
        emp = d["salesperson_employee_id"] or customer_owner.get(d["customer_number"])
        if not emp:
            continue
        gross = (
            Decimal(0)
            if d["status"] == "VOID"
            else Decimal(d["gross_amount"]) - sum((Decimal(c["gross_amount"]) for c in credit_notes[i]), Decimal(0))
        )
        receivable = gross * inv_rate[i]
        collected = sum((a for pd_, a in payments[i] if pd_ <= as_of), Decimal(0))
        bucket = due[(emp, month_of(date.fromisoformat(d["due_date"])))]
        bucket["receivable"] += receivable
        bucket["collected"] += collected
        terms = int(d["payment_terms_days"])
        if terms in COLLECTION_TARGET:
            bucket["target_num"] += receivable * COLLECTION_TARGET[terms]
            bucket["target_den"] += receivable

    # statements: every sales rep employed in a month, from the first month with data to the as-of month
    statements: dict[tuple[str, date], Statement] = {}
    for emp, vs in versions.items():
        hires = [date.fromisoformat(v.row["hire_date"]) for v in vs if v.row["hire_date"]]
        if not hires:
            continue
        hire = min(hires)
        ends = [date.fromisoformat(v.row["termination_date"]) for v in vs if v.row["termination_date"]]
        term = max(ends) if ends else None
        m = first_month
        while m <= as_of:
            me = month_end(m)
            if me >= hire and (term is None or m <= term):
                ref = term if term is not None and term < me else me
                v = version_on(vs, ref)
                ratio = VARIABLE_RATIO.get(v.row["job_level"]) if v else None
                if v is not None and ratio is not None:
                    statements[(emp, m)] = _statement(
                        emp, m, me, hire, term, v, ratio, bookings, targets, new_customers, due
                    )
            m = me + timedelta(days=1)
    _clawbacks(statements, opps, invoices, credit_notes, payments, inv_rate, credits, deal_cny, as_of)
    for s in statements.values():
        s.lines["total_pay"] = sum((s.lines[line] for line in LINES[:-1]), Decimal(0))
    return statements


def _statement(
    emp: str,
    m: date,
    me: date,
    hire: date,
    term: date | None,
    v: Version,
    ratio: Decimal,
    bookings: dict,
    targets: dict,
    new_customers: dict,
    due: dict,
) -> Statement:
    first = max(m, hire)
    last = min(me, term) if term else me
    days, dim = (last - first).days + 1, me.day
    base = Decimal(v.row["base_monthly_salary"]) * days / dim
    V = base * ratio
    booked = bookings.get((emp, m), Decimal(0))
    target = targets.get((emp, m, "revenue"))
    scores: list[tuple[Decimal, Decimal]] = []

    def score(actual: Decimal | None, tgt: Decimal | None, weight: Decimal) -> None:
        if actual is not None and tgt is not None and tgt != 0:
            scores.append((weight, min(max(100 * actual / tgt, Decimal(0)), Decimal(120))))

    score(booked, target, WEIGHTS["attainment"])
    score(new_customers.get((emp, m), Decimal(0)), targets.get((emp, m, "new_customers")), WEIGHTS["new_customers"])
    col = due.get((emp, m))
    if col and col["receivable"] != 0:
        rate_ = col["collected"] / col["receivable"]
        tgt = col["target_num"] / col["target_den"] if col["target_den"] != 0 else None
        score(rate_, tgt, WEIGHTS["collection"])
    quantitative = (sum(w * s for w, s in scores) / sum(w for w, _ in scores)) if scores else None
    attainment = booked / target if target else None
    factor = payout_factor(attainment) if attainment is not None else None
    lines = {
        "base_salary": cents(base),
        "base_performance_pay": cents(Decimal("0.40") * V * min(max(quantitative / 100, Decimal(0)), Decimal("1.2")))
        if quantitative is not None
        else Decimal("0.00"),
        "performance_bonus": cents(Decimal("0.50") * V * factor) if factor is not None else Decimal("0.00"),
        "capability_bonus": cents(Decimal("0.10") * V * Decimal("1.0")),  # no published quarter: new-hire 1.0
        "csat_bonus": Decimal("0.00"),  # needs a published quarter's CSAT >= 90
        "clawback": Decimal("0.00"),
    }
    inputs = {
        "V": V,
        "bookings": booked,
        "target": target,
        "attainment": attainment,
        "days": days,
        "dim": dim,
        "quantitative": quantitative,
    }
    return Statement(emp, m, lines, inputs)


def _clawbacks(
    statements: dict,
    opps: dict,
    invoices: dict,
    credit_notes: dict,
    payments: dict,
    inv_rate: dict,
    credits: dict,
    deal_cny: dict,
    as_of: date,
) -> None:
    """Credit notes and 180-day write-offs on deals paid out in an earlier month (int_pay_clawbacks' reading)."""
    events: list[tuple[str, date, str, str, Decimal]] = []  # (deal, date, event id, invoice, removed receivable CNY)
    for i, inv in invoices.items():
        if inv["status"] == "VOID" or inv["opportunity_id"] not in credits:
            continue
        oid = inv["opportunity_id"]
        write_off = date.fromisoformat(inv["due_date"]) + timedelta(days=180)
        written_off = write_off <= as_of
        for c in credit_notes[i]:
            when = date.fromisoformat(c["invoice_date"])
            if when <= as_of and not (written_off and when > write_off):
                events.append((oid, when, c["invoice_id"], i, Decimal(c["gross_amount"]) * inv_rate[i]))
        if written_off:
            open_ = Decimal(inv["gross_amount"]) * inv_rate[i]
            open_ -= sum(
                (
                    Decimal(c["gross_amount"]) * inv_rate[i]
                    for c in credit_notes[i]
                    if date.fromisoformat(c["invoice_date"]) <= write_off
                ),
                Decimal(0),
            )
            open_ -= sum((a for d, a in payments[i] if d <= write_off), Decimal(0))
            if open_ > 0:
                events.append((oid, write_off, "WO|" + i, i, open_))
    removed_so_far: dict[str, Decimal] = defaultdict(Decimal)
    removed: dict[tuple[str, date, date], Decimal] = defaultdict(Decimal)  # (employee, event month, close month)
    for oid, when, _event_id, invoice_id, receivable in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        inv, o = invoices[invoice_id], opps[oid]
        deal = Decimal(o["Amount"]) * inv_rate[invoice_id] if o["CurrencyIsoCode"] == inv["currency"] else deal_cny[oid]
        share = receivable * Decimal(inv["net_amount"]) / Decimal(inv["gross_amount"]) / deal
        share = max(min(share, 1 - removed_so_far[oid]), Decimal(0))
        removed_so_far[oid] += share
        close_month = month_of(date.fromisoformat(o["CloseDate"]))
        if month_of(when) <= close_month:
            continue  # the bonus of the close month had not been paid ahead of the event
        for emp, credited in credits[oid]:
            if emp is not None:
                removed[(emp, month_of(when), close_month)] += share * credited
    done: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for (emp, month, close_month), amount in sorted(removed.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1])):
        original = statements.get((emp, close_month))
        if original is None:
            continue
        before = done[(emp, close_month)]
        done[(emp, close_month)] += amount
        if original.lines["performance_bonus"] <= 0 or (emp, month) not in statements:
            continue
        target, V, booked = original.inputs["target"], original.inputs["V"], original.inputs["bookings"]
        bonus_before = cents(Decimal("0.5") * V * payout_factor((booked - before) / target))
        bonus_after = cents(Decimal("0.5") * V * payout_factor((booked - before - amount) / target))
        statements[(emp, month)].lines["clawback"] += bonus_after - bonus_before


# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def built(built_warehouse: BuiltWarehouse) -> tuple[Path, Path]:
    """The session warehouse of conftest.py (generated landing folder, real `build_warehouse` run)."""
    return built_warehouse.landing, built_warehouse.warehouse


@pytest.fixture(scope="session")
def mart(built: tuple[Path, Path]) -> pd.DataFrame:
    with duckdb.connect(str(built[1]), read_only=True) as con:
        rows = con.execute(
            "select employee_id, month, line, amount, evaluation_quarter, reason from marts.mart_pay_statement"
        ).fetchall()
    return pd.DataFrame(rows, columns=["employee_id", "month", "line", "amount", "evaluation_quarter", "reason"])


@pytest.fixture(scope="session")
def expected(built: tuple[Path, Path]) -> dict[tuple[str, date], Statement]:
    return recompute(built[0])


def test_fresh_build_has_no_published_quarter(mart: pd.DataFrame) -> None:
    assert mart["evaluation_quarter"].isna().all()
    cap = mart[mart["line"] == "capability_bonus"]
    assert (cap["reason"] == "no_published_quarter").all()
    assert (mart[mart["line"] == "csat_bonus"]["amount"] == 0).all()


def test_the_same_statements_exist(mart: pd.DataFrame, expected: dict) -> None:
    built_keys = {(e, m) for e, m in zip(mart["employee_id"], mart["month"], strict=True)}
    assert built_keys == set(expected)
    assert len(mart) == 7 * len(expected)


def test_every_line_agrees_to_the_cent_with_the_independent_recomputation(mart: pd.DataFrame, expected: dict) -> None:
    differences = []
    compared = 0
    for e, m, line, amount in zip(mart["employee_id"], mart["month"], mart["line"], mart["amount"], strict=True):
        want = expected[(e, m)].lines[line]
        compared += 1
        if amount != want:
            differences.append((e, m, line, amount, want, amount - want))
    print(f"compared {compared} lines of {len(expected)} statements; {len(differences)} differ")
    assert not differences, "\n".join(map(str, differences[:30]))


def test_figures_are_plausible(expected: dict) -> None:
    ratios = sorted(
        s.lines["total_pay"] / s.lines["base_salary"] for s in expected.values() if s.lines["base_salary"] > 0
    )
    median = ratios[len(ratios) // 2]
    assert Decimal("1.0") <= median <= Decimal("2.0")
    assert all(s.lines["clawback"] <= 0 for s in expected.values())
    assert any(s.lines["clawback"] < 0 for s in expected.values()), "the generated data has clawbacks"
    assert any(s.lines["performance_bonus"] == 0 for s in expected.values())


def test_every_line_has_lineage_rows_that_point_at_landing_files(built: tuple[Path, Path]) -> None:
    landing, warehouse = built
    with duckdb.connect(str(warehouse), read_only=True) as con:
        missing = con.execute(
            "select count(*) from marts.mart_pay_statement s where not exists (select 1 from "
            "marts.audit_payout_lineage l where l.employee_id = s.employee_id and l.month = s.month "
            "and l.line = s.line)"
        ).fetchone()[0]
        sample = con.execute(
            "select source_file, source_sha256 from marts.audit_payout_lineage group by all order by 1"
        ).fetchall()
    assert missing == 0
    for source_file, sha in sample:
        assert hashlib.sha256((landing / source_file).read_bytes()).hexdigest() == sha, source_file


def test_explain_covers_every_line_down_to_source_rows(built: tuple[Path, Path], mart: pd.DataFrame) -> None:
    warehouse = built[1]
    claw = mart[(mart["line"] == "clawback") & (mart["amount"] < 0)].iloc[0]
    text = explain_pay(warehouse, claw["employee_id"], f"{claw['month']:%Y-%m}")
    for line in LINES:
        assert f"  {line} " in text
    assert "Source rows" in text and "hr__employee" in text and "finance__invoice" in text
    assert f"{claw['amount']:,.2f}" in text
    with pytest.raises(StatementNotFoundError, match=r"E9999.*2024-01"):
        explain_pay(warehouse, "E9999", "2024-01")


def test_export_writes_one_csv_xlsx_and_html_per_rep_deterministically(
    built: tuple[Path, Path], mart: pd.DataFrame, tmp_path: Path
) -> None:
    warehouse = built[1]
    month = max(mart["month"])
    first = export_statements(warehouse, f"{month:%Y-%m}", tmp_path / "a")
    second = export_statements(warehouse, f"{month:%Y-%m}", tmp_path / "b")
    reps = sorted(mart[mart["month"] == month]["employee_id"].unique())
    assert [p.name for p in first] == sorted(
        f"pay_statement_{month:%Y-%m}_{r}.{ext}" for r in reps for ext in ("csv", "xlsx", "html")
    )
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    one = pd.read_csv(first[0], dtype=str)
    assert list(one["line"]) == list(LINES)
    total = one.set_index("line")["amount"].map(Decimal)
    assert total["total_pay"] == sum(total[line] for line in LINES[:-1])
    xlsx = pd.read_excel(first[2])
    assert list(xlsx["line"]) == list(LINES)


@pytest.mark.parametrize(
    "suite", ["mart_pay_statement", "mart_pay_statement__total_pay", "mart_pay_statement__coverage"]
)
def test_quality_gates_pass_on_the_built_warehouse(built: tuple[Path, Path], suite: str) -> None:
    from dagster_project.checks.gx_suites import validate_table

    outcome = validate_table(built[1], "marts.mart_pay_statement", suite_name=suite)
    assert outcome.success, outcome.describe()
