"""What `spm plan propose` decomposes: the plan file(s) of a year from the landing folder and, from the warehouse,
the reps employed in each month (type-2 HR history) and the bookings the month, rep, product-line and tier shares
are taken from. Plain reads, no formula: the decomposition is plan/decompose.py.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import yaml

from dagster_project.ingest.landing import FILE_PATTERN

from .decompose import PlanError, RepMonth

DEFAULT_LEVEL_WEIGHTS = {"Sales Rep": Decimal(1), "Senior Sales Rep": Decimal("1.25"),
                         "Sales Supervisor": Decimal("0.8"), "Sales Manager": Decimal(0)}
"""Relative capacity by job level unless the plan's `decomposition.level_weights` says otherwise; a level weighing 0
(a manager, by default) gets no target."""


@dataclass
class Plan:
    """One plan year, the plan files of that year merged in delivery order (a later file's value wins)."""

    year: int
    effective_from: str = ""
    targets: dict[str, Decimal] = field(default_factory=dict)
    splits: dict[str, dict[str, dict[str, Decimal]]] = field(default_factory=dict)
    """scope (region, product_line, customer_tier) -> metric -> member -> annual figure."""
    policy: dict[str, Decimal] = field(default_factory=dict)
    decomposition: dict[str, object] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def _dec(value: object, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise PlanError(f"{where}: {value!r} is not a number") from None


def read_plan(landing_dir: Path, year: int) -> Plan:
    """The plan of `year` from `<landing>/planning/plan/plan_<YYYYMMDD>[_n].yaml`, files merged oldest first."""
    folder = Path(landing_dir) / "planning" / "plan"
    found = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        m = FILE_PATTERN.match(path.name)
        if m and m["entity"] == "plan":
            found.append((int(m["day"]) * 1000 + int(m["seq"] or 0), path))
    plan = Plan(year)
    for _, path in sorted(found):
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
        if int(doc.get("plan_year", 0)) != year:
            continue
        plan.files.append(path.name)
        plan.effective_from = str(doc.get("effective_from", plan.effective_from))
        for metric, v in (doc.get("targets") or {}).items():
            plan.targets[metric] = _dec(v, f"{path.name} targets.{metric}")
        for key, scope in (("by_region", "region"), ("by_product_line", "product_line"),
                           ("by_customer_tier", "customer_tier")):
            for metric, members in (doc.get(key) or {}).items():
                plan.splits.setdefault(scope, {})[metric] = {
                    str(k): _dec(v, f"{path.name} {key}.{metric}.{k}") for k, v in members.items()}
        for name, v in (doc.get("policy") or {}).items():
            plan.policy[name] = _dec(v, f"{path.name} policy.{name}")
        plan.decomposition.update(doc.get("decomposition") or {})
    if not plan.files:
        raise PlanError(f"no plan for {year} in {folder} (plan_<YYYYMMDD>.yaml with plan_year: {year})")
    return plan


def rep_months(con: duckdb.DuckDBPyConnection, year: int) -> list[RepMonth]:
    """Every employee employed on at least one day of each month of `year`, with the HR version in force on the
    month's last employed day (the current version for months ahead of the history), from marts.dim_sales_rep."""
    rows = con.execute(
        """select employee_id, valid_from, valid_to, is_current, region, team_id, job_level, hire_date,
                  termination_date
           from marts.dim_sales_rep order by employee_id, valid_from"""
    ).fetchall()
    versions: dict[str, list[tuple]] = {}
    for r in rows:
        versions.setdefault(r[0], []).append(r)
    out: list[RepMonth] = []
    for emp, vs in versions.items():
        current = next((v for v in vs if v[3]), vs[-1])
        hire, term = current[7], current[8]
        if hire is None:
            continue
        for m in range(1, 13):
            first = date(year, m, 1)
            last = date(year, m, calendar.monthrange(year, m)[1])
            start, end = max(first, hire), min(last, term) if term else last
            if start > end:
                continue
            ref = end
            v = next((v for v in vs if v[1] <= ref <= v[2]), current)
            tenure = (year - hire.year) * 12 + m - hire.month + 1
            out.append(RepMonth(emp, first, v[4] or "", v[5] or "", v[6] or "", (end - start).days + 1, tenure))
    return out


def bookings_by_month(con: duckdb.DuckDBPyConnection) -> dict[date, Decimal]:
    """Booked revenue (reporting currency) per close month: the seasonality and last-year month shares."""
    rows = con.execute(
        "select close_month, sum(amount_reporting) from marts.fct_bookings group by close_month"
    ).fetchall()
    return {m: Decimal(v) for m, v in rows}


def last_year_rep_monthly(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, Decimal]:
    """Each rep's bookings of the year before `year` per month employed then: the `last_year` rep weights."""
    employed = {}
    for rm in rep_months(con, year - 1):
        employed[rm.employee_id] = employed.get(rm.employee_id, 0) + 1
    rows = con.execute(
        "select employee_id, sum(amount_reporting) from marts.fct_bookings where year(close_month) = ? "
        "and employee_id is not null group by employee_id", [year - 1]
    ).fetchall()
    return {e: Decimal(v) / employed[e] for e, v in rows if employed.get(e)}


def last_year_shares(con: duckdb.DuckDBPyConnection, year: int, scope: str) -> dict[str, Decimal]:
    """Last year's booked revenue by product line or by customer tier (the account's tier, A/B/C; unknown left
    out): the weights of a revenue split the plan does not fix."""
    if scope == "product_line":
        sql = """select product_line, sum(amount_reporting) from marts.fct_bookings
                 where year(close_month) = ? and product_line is not null group by 1 order by 1"""
    else:
        sql = """select c.tier, sum(b.amount_reporting) from marts.fct_bookings b
                 join marts.dim_customer c on c.account_id = b.account_id
                 where year(b.close_month) = ? and c.tier in ('A', 'B', 'C') group by 1 order by 1"""
    return {str(k): Decimal(v) for k, v in con.execute(sql, [year - 1]).fetchall() if v and v > 0}
