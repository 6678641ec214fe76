"""The plan workbook of `spm plan propose / check / import` (docs/planning.md, The workbook).

Sheets: `targets` (one row per metric, scope, member and period, with its parent, the proposed figure and the
target a planner may edit), `roster` (the rep-months the HR history employs, with their capacity) and `plan` (the
method and the policy targets, for the reader). Numbers are written as numbers, so Excel sums them.

`check` names the sheet, cell and rule of every problem; `import_workbook` refuses a workbook that fails it, then
writes the per-rep `planning/target` delivery pay and attainment read (the same extract a planning tool delivers,
so nothing downstream changes) and a `planning/plan` YAML holding the months and ISO weeks of every scope.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import yaml

from dagster_project.extracts import BY_NAME

from . import inputs
from .decompose import (
    CapacityPolicy,
    Decomposition,
    PlanError,
    RepMonth,
    capacity,
    decompose,
    month_weights,
    months_of,
    weeks_of,
    whole,
)

TARGET_HEADER = ["metric", "scope", "scope_value", "period", "parent_scope", "parent_value", "proposed", "target"]
ROSTER_HEADER = ["employee_id", "month", "region", "team_id", "job_level", "employed_days", "capacity"]
METRICS = ("revenue", "new_customers")
SCOPE_ORDER = {"company": 0, "region": 1, "team": 2, "rep": 3, "product_line": 4, "customer_tier": 5}


@dataclass(frozen=True)
class Problem:
    """One failed rule: `targets!H12 (rule no_negative_target): ...`."""

    sheet: str
    cell: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell} (rule {self.rule}): {self.message}"


# ------------------------------------------------------------------------------------------------- propose

def propose(con: duckdb.DuckDBPyConnection, landing_dir: Path, year: int, out: Path, months_method: str | None = None,
            reps_method: str | None = None, keep: Path | None = None) -> str:
    """Decompose the year's plan (landing folder) with the warehouse's history and write the workbook; returns a
    one-line summary. `keep`: an edited workbook whose changed targets (target differs from proposed) are kept as
    overrides and the rest re-balanced around them."""
    plan = inputs.read_plan(landing_dir, year)
    dec = plan.decomposition
    months_method = months_method or str(dec.get("months", "seasonality"))
    reps_method = reps_method or str(dec.get("reps", "level"))
    weights = month_weights(months_method, year, inputs.bookings_by_month(con), dec.get("month_shares") or {})
    level_weights = {**inputs.DEFAULT_LEVEL_WEIGHTS,
                     **{str(k): Decimal(str(v)) for k, v in (dec.get("level_weights") or {}).items()}}
    policy = CapacityPolicy(
        reps_method, level_weights, int(dec.get("ramp_months", 0)), Decimal(str(dec.get("ramp_share", 1))),
        inputs.last_year_rep_monthly(con, year) if reps_method == "last_year" else {},
    )
    holidays = frozenset(date.fromisoformat(str(d)) for d in dec.get("holidays") or [])
    staff = [rm for rm in inputs.rep_months(con, year) if capacity(rm, policy) > 0]
    overrides = _overrides(keep) if keep else {}
    results = []
    for metric in METRICS:
        if metric not in plan.targets:
            continue
        annual = whole(plan.targets[metric], f"targets.{metric}")
        regions = plan.splits.get("region", {}).get(metric)
        breakdowns = {}
        if metric == "revenue":
            for scope in ("product_line", "customer_tier"):
                fixed = plan.splits.get(scope, {}).get(metric)
                if fixed and sum(fixed.values()) != annual:
                    raise PlanError(f"by_{scope}.{metric} sums to {sum(fixed.values())}, targets.{metric} is {annual}")
                shares = fixed or inputs.last_year_shares(con, year, scope)
                if shares:
                    breakdowns[scope] = shares
        results.append(decompose(
            metric, year, annual, weights, staff, policy,
            {k: whole(v, f"by_region.{metric}.{k}") for k, v in regions.items()} if regions else None,
            breakdowns, overrides.get(metric), holidays))
    if not results:
        raise PlanError(f"the plan for {year} has no targets for {' or '.join(METRICS)}")
    _write(out, year, results, staff, policy, plan, months_method, reps_method, holidays)
    return (f"wrote {out}: {year} plan ({', '.join(r.metric for r in results)}), months by {months_method}, reps by "
            f"{reps_method}, {len({rm.employee_id for rm in staff})} reps, {sum(map(len, overrides.values()))} "
            f"override(s) kept")


def _overrides(path: Path) -> dict[str, dict[tuple[str, str, str], int]]:
    out: dict[str, dict[tuple[str, str, str], int]] = defaultdict(dict)
    for row in _rows(path):
        r = row.values
        if len(str(r["period"])) == 7 and r["target"] is not None and r["target"] != r["proposed"]:
            out[r["metric"]][(r["scope"], r["scope_value"], r["period"])] = int(r["target"])
    return out


def _write(out: Path, year: int, results: list[Decomposition], staff: list[RepMonth], policy: CapacityPolicy,
           plan: inputs.Plan, months_method: str, reps_method: str, holidays: frozenset[date]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "targets"
    ws.append(TARGET_HEADER)
    for res in results:
        def order(key: tuple[str, str, str]) -> tuple:
            return (SCOPE_ORDER[key[0]], key[1], len(key[2]) != 4, key[2])

        for key in sorted(res.targets, key=order):
            scope, value, period = key
            parent = res.parents.get(key, ("", ""))
            v = res.targets[key]
            ws.append([res.metric, scope, value, period, parent[0], parent[1], v, v])
    ws.freeze_panes = "A2"
    roster = wb.create_sheet("roster")
    roster.append(ROSTER_HEADER)
    for rm in sorted(staff, key=lambda r: (r.employee_id, r.month)):
        roster.append([rm.employee_id, f"{rm.month:%Y-%m}", rm.region, rm.team_id, rm.job_level, rm.employed_days,
                       float(round(Fraction(capacity(rm, policy)), 4))])
    info = wb.create_sheet("plan")
    info.append(["key", "value"])
    for k, v in [("plan_year", year), ("effective_from", plan.effective_from), ("files", ", ".join(plan.files)),
                 ("months_method", months_method), ("reps_method", reps_method),
                 ("ramp_months", policy.ramp_months), ("ramp_share", float(policy.ramp_share)),
                 ("holidays", ", ".join(sorted(d.isoformat() for d in holidays)))]:
        info.append([k, v])
    for name, v in plan.policy.items():
        info.append([f"policy.{name}", float(v)])
    wb.save(out)


# ------------------------------------------------------------------------------------------------- read and check

@dataclass
class Row:
    number: int
    values: dict


def _rows(path: Path, sheet: str = "targets") -> list[Row]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet not in wb.sheetnames:
            raise PlanError(f"{path.name}: no sheet {sheet!r} (a workbook written by spm plan propose has it)")
        rows = wb[sheet].iter_rows(values_only=True)
        header = [str(h) for h in next(rows)]
        return [Row(n, dict(zip(header, r, strict=False))) for n, r in enumerate(rows, start=2) if any(
            c is not None for c in r)]
    finally:
        wb.close()


def _col(name: str) -> str:
    return "ABCDEFGH"[TARGET_HEADER.index(name)]


def check(path: Path) -> list[Problem]:
    """Every rule of docs/planning.md, The workbook: whole non-negative targets, months that sum to their year,
    children that sum to their parent, a rep target only in a month the roster employs the rep, and a target for
    every rep-month of the roster."""
    problems: list[Problem] = []
    rows = _rows(path)
    roster = {(str(r.values["employee_id"]), str(r.values["month"])): r.number for r in _rows(path, "roster")}
    value: dict[tuple[str, str, str, str], int] = {}
    where: dict[tuple[str, str, str, str], int] = {}
    present: set[tuple[str, str, str, str]] = set()  # a row with a wrong value still is the rep's row
    for row in rows:
        r = row.values
        key = (r["metric"], r["scope"], str(r["scope_value"]), str(r["period"]))
        present.add(key)
        t = r["target"]
        cell = f"{_col('target')}{row.number}"
        if not isinstance(t, int | float | Decimal) or isinstance(t, bool) or t < 0 or t != int(t):
            problems.append(Problem("targets", cell, "whole_non_negative_target",
                                    f"{key[1]} {key[2]} {key[3]} {key[0]}: {t!r} is not a whole number >= 0"))
            continue
        value[key], where[key] = int(t), row.number
        if key[1] == "rep" and len(key[3]) == 7 and (key[2], key[3]) not in roster:
            problems.append(Problem("targets", cell, "target_only_when_employed",
                                    f"rep {key[2]} has a {key[0]} target for {key[3]} but is not employed then"))
    years: dict[tuple[str, str, str, str], int] = defaultdict(int)
    children: dict[tuple[str, str, str, str], int] = defaultdict(int)
    child_rows: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
    for row in rows:
        r = row.values
        key = (r["metric"], r["scope"], str(r["scope_value"]), str(r["period"]))
        if key not in value or len(key[3]) != 7:
            continue
        years[(key[0], key[1], key[2], key[3][:4])] += value[key]
        if r["parent_scope"]:  # a company month has three sets of children: regions, product lines, tiers
            parent = (key[0], r["parent_scope"], str(r["parent_value"]), key[3], key[1])
            children[parent] += value[key]
            child_rows[parent].append(row.number)
    for key, total in years.items():
        if key in value and value[key] != total:
            problems.append(Problem("targets", f"{_col('target')}{where[key]}", "months_sum_to_year",
                                    f"{key[1]} {key[2]} {key[0]} {key[3]} is {value[key]} but its months sum to "
                                    f"{total}"))
    for (*parent_key, child_scope), total in children.items():
        key = tuple(parent_key)
        rows_of = child_rows[(*key, child_scope)]
        if key not in value:
            problems.append(Problem("targets", f"{_col('parent_value')}{rows_of[0]}", "parent_exists",
                                    f"{key[1]} {key[2]} {key[3]} {key[0]} has no row of its own"))
        elif value[key] != total:
            problems.append(Problem("targets", f"{_col('target')}{where[key]}", "children_sum_to_parent",
                                    f"{key[1]} {key[2]} {key[3]} {key[0]} is {value[key]} but its {child_scope} "
                                    f"rows sum to {total} (rows {rows_of[0]}-{rows_of[-1]})"))
    metrics = {k[0] for k in present}
    for (emp, month), number in roster.items():
        for metric in sorted(metrics):
            if (metric, "rep", emp, month) not in present:
                problems.append(Problem("roster", f"A{number}", "every_employed_rep_has_a_target",
                                        f"rep {emp} is employed in {month} but has no {metric} target"))
    return problems


# ------------------------------------------------------------------------------------------------- import

def _decompositions(path: Path) -> tuple[int, dict[str, Decomposition]]:
    """The checked workbook as decompositions (targets and parents), its week parts cut as propose cuts them."""
    out: dict[str, Decomposition] = {}
    year = 0
    for row in _rows(path):
        r = row.values
        res = out.setdefault(r["metric"], Decomposition(r["metric"]))
        key = (r["scope"], str(r["scope_value"]), str(r["period"]))
        res.targets[key] = int(r["target"])
        if r["parent_scope"]:
            res.parents[key] = (r["parent_scope"], str(r["parent_value"]))
        if r["scope"] == "company" and len(key[2]) == 4:
            year = int(key[2])
    info = {str(r.values["key"]): r.values["value"] for r in _rows(path, "plan")}
    holidays = frozenset(date.fromisoformat(d.strip()) for d in str(info.get("holidays") or "").split(",") if d.strip())
    for res in out.values():
        weeks_of(res, months_of(year), holidays)
    return year, out


def _free_name(folder: Path, stem: str, day: str, suffix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path, n = folder / f"{stem}_{day}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}_{day}_{n}{suffix}"
    return path


def import_workbook(path: Path, landing_dir: Path, now: datetime | None = None) -> list[Path]:
    """Write the checked workbook as two deliveries the next run loads: `planning/target/target_<today>.csv` (every
    rep-month target, the planning tool's format) and `planning/plan/plan_<today>.yaml` (the year's figures with the
    months and ISO weeks of every scope). A workbook that fails `check` is refused."""
    problems = check(path)
    if problems:
        raise PlanError(f"{path.name} fails {len(problems)} check(s), first: {problems[0]}")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    stamp, day = now.strftime("%Y-%m-%dT%H:%M:%SZ"), now.strftime("%Y%m%d")
    year, decs = _decompositions(path)
    plan_info = {str(r.values["key"]): r.values["value"] for r in _rows(path, "plan")}
    landing_dir = Path(landing_dir)
    target_file = _free_name(landing_dir / "planning" / "target", "target", day, ".csv")
    extract = BY_NAME["planning__target"]
    with target_file.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(extract.generated_names)
        for metric, res in decs.items():
            for (scope, emp, period), v in sorted(res.targets.items()):
                if scope == "rep" and len(period) == 7:
                    w.writerow([emp, period, metric, v, "false", stamp])
    doc: dict = {"plan_year": year, "effective_from": str(plan_info.get("effective_from") or f"{year}-01-01"),
                 "updated_at": stamp, "targets": {}, "monthly": {}, "weekly": {}}
    for metric, res in decs.items():
        doc["targets"][metric] = res.targets[("company", "all", str(year))]
        for (scope, member, period), v in sorted(res.targets.items()):
            if len(period) == 7 and scope != "rep":
                doc["monthly"].setdefault(scope, {}).setdefault(metric, {}).setdefault(member, {})[period] = v
        weekly: dict[tuple[str, str, str], int] = defaultdict(int)
        for (scope, member, _, week), v in res.week_parts.items():
            weekly[(scope, member, week)] += v
        for (scope, member, week), v in sorted(weekly.items()):
            doc["weekly"].setdefault(scope, {}).setdefault(metric, {}).setdefault(member, {})[week] = v
    policy = {k.removeprefix("policy."): v for k, v in plan_info.items() if k.startswith("policy.")}
    if policy:
        doc["policy"] = policy
    plan_file = _free_name(landing_dir / "planning" / "plan", "plan", day, ".yaml")
    header = (f"# written by spm plan import from {path.name} at {stamp}: the months and ISO weeks of every scope\n"
              "# (docs/planning.md); edit the workbook and import again rather than this file\n")
    plan_file.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return [target_file, plan_file]
