"""Decompose an annual plan into months, ISO weeks, regions, teams, reps, product lines and customer tiers.

Targets are whole currency units (and whole weighted new customers), so every split is a rounding problem: the
exact shares are fractions, the published figures integers, and a team's reps must add up to the team **exactly**
(docs/planning.md, Rounding). Two primitives do all of it:

- `largest_remainder`: a parent split among children by weights. Each child gets the floor of its exact share; the
  units left go one each to the largest remainders (a tie to the child listed first). Overrides are kept as given and
  only the rest of the parent is split among the other children.
- `round_matrix`: a table whose row totals and column totals are both fixed (region x month when the plan fixes the
  regions' annual figures and the method fixes the company's months; rep x week inside a team's month). Every cell is
  its exact share rounded down or up (never further than one unit away), and rows and columns both sum exactly.

Arithmetic is on `fractions.Fraction`, never floats, so a share of 1/3 is a third and a test's hand-worked figure is
the figure. Nothing here reads the warehouse: `plan/inputs.py` does, and hands in plain values.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

Number = int | Decimal | Fraction


class PlanError(ValueError):
    """The plan cannot be decomposed as asked; the message says which figure and why."""


def _frac(x: Number) -> Fraction:
    return Fraction(x) if not isinstance(x, Decimal) else Fraction(str(x))


def whole(x: Number, what: str) -> int:
    """A target as whole units; a fractional or negative figure is refused (the plan is in whole units)."""
    f = _frac(x)
    if f.denominator != 1 or f < 0:
        raise PlanError(f"{what}: {x} is not a whole non-negative amount")
    return int(f)


def largest_remainder(
    total: int, weights: Sequence[Number], fixed: Mapping[int, int] | None = None, what: str = "target"
) -> list[int]:
    """Split `total` among len(weights) children in proportion to their weights, in whole units summing to `total`.

    `fixed` (child index -> amount) are overrides: kept as given, and `total` minus their sum is split among the
    others. Refused when the overrides exceed the total, or when units are left and no other child has weight
    (nobody to carry them). Ties of the remainder go to the child listed first."""
    fixed = dict(fixed or {})
    if any(v < 0 for v in fixed.values()):
        raise PlanError(f"{what}: an override is negative")
    rest = total - sum(fixed.values())
    if rest < 0:
        raise PlanError(f"{what}: overrides sum to {sum(fixed.values())}, more than the parent's {total}")
    free = [i for i in range(len(weights)) if i not in fixed]
    w = {i: _frac(weights[i]) for i in free}
    if any(v < 0 for v in w.values()):
        raise PlanError(f"{what}: a weight is negative")
    wsum = sum(w.values(), Fraction(0))
    out = [fixed.get(i, 0) for i in range(len(weights))]
    if rest == 0:
        return out
    if wsum == 0:
        raise PlanError(f"{what}: {rest} left to split and no child with capacity to carry it")
    exact = {i: rest * w[i] / wsum for i in free}
    for i in free:
        out[i] = int(exact[i])  # floor: exact >= 0
    left = rest - sum(out[i] for i in free)
    by_remainder = sorted(free, key=lambda i: (-(exact[i] - out[i]), i))
    for i in by_remainder[:left]:
        out[i] += 1
    return out


def round_matrix(row_totals: Sequence[int], col_totals: Sequence[int], what: str = "target") -> list[list[int]]:
    """Whole cells with the given row and column totals, each cell within one unit of its exact share
    row_total * col_total / grand_total.

    Floors first; then each row's missing units go to the columns that still miss the most units (Ryser's
    construction, which always succeeds when both margins are integral and equal in sum), a tie to the larger
    fractional part, then to the column listed first."""
    grand = sum(row_totals)
    if grand != sum(col_totals):
        raise PlanError(f"{what}: rows sum to {grand}, columns to {sum(col_totals)}")
    if grand == 0:
        return [[0] * len(col_totals) for _ in row_totals]
    exact = [[Fraction(r * c, grand) for c in col_totals] for r in row_totals]
    cells = [[int(x) for x in row] for row in exact]
    col_need = [c - sum(cells[i][j] for i in range(len(row_totals))) for j, c in enumerate(col_totals)]
    for i, r in enumerate(row_totals):
        need = r - sum(cells[i])
        order = sorted(range(len(col_totals)), key=lambda j: (-col_need[j], -(exact[i][j] - cells[i][j]), j))
        for j in order[:need]:
            cells[i][j] += 1
            col_need[j] -= 1
    if any(col_need):  # cannot happen with integral margins; a guard, not a branch
        raise PlanError(f"{what}: rounding left columns unbalanced")
    return cells


# ---------------------------------------------------------------------------------------------------- time

def months_of(year: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, 13)]


def month_weights(
    method: str,
    year: int,
    bookings_by_month: Mapping[date, Number] | None = None,
    explicit_percent: Mapping[int, Number] | None = None,
) -> list[Fraction]:
    """The 12 weights of the plan year's months.

    - `equal`: one each.
    - `explicit`: the percentages given per month (1..12, as ERPNext's monthly distribution), summing to 100.
    - `last_year`: each month's bookings in the year before the plan year.
    - `seasonality`: each calendar month's bookings over the trailing 24 months (the 24 months up to the latest month
      with bookings before the plan year), so every calendar month is counted exactly twice and one odd year weighs
      half.
    """
    if method == "equal":
        return [Fraction(1)] * 12
    if method == "explicit":
        pct = {int(k): _frac(v) for k, v in (explicit_percent or {}).items()}
        if set(pct) != set(range(1, 13)) or sum(pct.values()) != 100 or any(v < 0 for v in pct.values()):
            raise PlanError("explicit month shares: give all 12 months, each >= 0, summing to 100")
        return [pct[m] for m in range(1, 13)]
    book = {d.replace(day=1): _frac(v) for d, v in (bookings_by_month or {}).items()}
    if method == "last_year":
        weights = [book.get(date(year - 1, m, 1), Fraction(0)) for m in range(1, 13)]
    elif method == "seasonality":
        before = [d for d, v in book.items() if d < date(year, 1, 1) and v]
        if not before:
            raise PlanError("seasonality: no bookings before the plan year; use equal or explicit")
        last = max(before)
        window = [_add_months(last, -k) for k in range(24)]
        weights = [sum((book.get(d, Fraction(0)) for d in window if d.month == m), Fraction(0)) for m in range(1, 13)]
    else:
        raise PlanError(f"unknown month method {method!r}: seasonality, last_year, equal or explicit")
    if sum(weights) <= 0 or any(w < 0 for w in weights):
        raise PlanError(f"{method}: the bookings give no usable month shares; use equal or explicit")
    return weights


def _add_months(d: date, k: int) -> date:
    n = d.year * 12 + d.month - 1 + k
    return date(n // 12, n % 12 + 1, 1)


def working_days_by_week(month: date, holidays: frozenset[date] = frozenset()) -> list[tuple[str, int]]:
    """The ISO weeks a month touches (`2026-W01`) with the month's working days (Monday-Friday, not a holiday) in
    each. A week with no working day of the month (a month starting on a Saturday) is left out."""
    out: dict[str, int] = {}
    last = calendar.monthrange(month.year, month.month)[1]
    for day in (month + timedelta(days=k) for k in range(last)):
        iso = day.isocalendar()
        key = f"{iso.year}-W{iso.week:02d}"
        out.setdefault(key, 0)
        if iso.weekday <= 5 and day not in holidays:
            out[key] += 1
    return [(k, n) for k, n in out.items() if n]


# ---------------------------------------------------------------------------------------------------- people

@dataclass(frozen=True)
class RepMonth:
    """One rep employed in one month (any day of it), as the type-2 HR history has them in that month."""

    employee_id: str
    month: date
    region: str
    team_id: str
    job_level: str
    employed_days: int
    """Calendar days of the month the rep is employed (hire to termination, inclusive)."""
    tenure_month: int
    """1 in the hire month, 2 the month after, ..."""


@dataclass(frozen=True)
class CapacityPolicy:
    """How much of a target a rep carries in a month, relative to a colleague (docs/planning.md, Capacity)."""

    method: str = "level"
    """`level`: level_weights of the rep's job level; `last_year`: the rep's bookings a month employed last year
    (a rep without any gets the median of those who have)."""
    level_weights: Mapping[str, Number] = field(default_factory=dict)
    ramp_months: int = 0
    ramp_share: Number = Fraction(1)
    last_year_monthly: Mapping[str, Number] = field(default_factory=dict)


def capacity(rm: RepMonth, policy: CapacityPolicy) -> Fraction:
    """weight x ramp x share of the month employed (calendar days). A job level weighing 0 in level_weights (a
    manager, by default) carries nothing whichever the method."""
    if rm.job_level in policy.level_weights and _frac(policy.level_weights[rm.job_level]) == 0:
        return Fraction(0)
    if policy.method == "level":
        weight = _frac(policy.level_weights.get(rm.job_level, 1))
    elif policy.method == "last_year":
        known = sorted(_frac(v) for v in policy.last_year_monthly.values() if _frac(v) > 0)
        median = known[len(known) // 2] if known else Fraction(1)
        weight = _frac(policy.last_year_monthly.get(rm.employee_id, 0)) or median
    else:
        raise PlanError(f"unknown rep method {policy.method!r}: level or last_year")
    ramp = _frac(policy.ramp_share) if rm.tenure_month <= policy.ramp_months else Fraction(1)
    days = calendar.monthrange(rm.month.year, rm.month.month)[1]
    return weight * ramp * Fraction(rm.employed_days, days)


# ---------------------------------------------------------------------------------------------------- the plan

@dataclass
class Decomposition:
    """Every target of one metric: (scope, scope_value, period) -> whole units. Periods are `YYYY` (the year),
    `YYYY-MM` (a month) and `YYYY-Www` (an ISO week, the month's part of it: a week across two months has a part in
    each; its target is their sum). scope is company, region, team, rep, product_line or customer_tier; parents:
    region -> company, team -> region (TEAM_REGION), rep -> team (REP_TEAM, per month)."""

    metric: str
    targets: dict[tuple[str, str, str], int] = field(default_factory=dict)
    week_parts: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    """(scope, scope_value, month, week) -> units: the month's part of the week."""
    parents: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)
    """(scope, scope_value, month) -> (parent scope, parent value) in that month."""


def _month_key(d: date) -> str:
    return f"{d:%Y-%m}"


def decompose(
    metric: str,
    year: int,
    annual: int,
    weights: Sequence[Number],
    rep_months: Sequence[RepMonth],
    policy: CapacityPolicy,
    region_annual: Mapping[str, int] | None = None,
    breakdowns: Mapping[str, Mapping[str, Number]] | None = None,
    overrides: Mapping[tuple[str, str, str], int] | None = None,
    holidays: frozenset[date] = frozenset(),
) -> Decomposition:
    """The whole tree for one metric.

    year -> months by `weights` (month_weights); month -> regions: by the reps' capacity, or, when `region_annual`
    fixes each region's year, by `round_matrix` (rows the regions' years, columns the company's months); region ->
    teams -> reps by capacity. `breakdowns` (product_line / customer_tier -> member -> annual figure or weight) split
    the company's months the same way as fixed regions. Months and regions, teams and reps take `overrides`
    ((scope, scope_value, YYYY-MM) -> units): kept, the rest of their parent re-split. Each scope's month is then cut
    into ISO-week parts by working days, and a child's week parts are rounded against its parent's
    (`round_matrix`), so weeks add up across the tree too."""
    overrides = dict(overrides or {})
    out = Decomposition(metric)
    months = months_of(year)
    mkeys = [_month_key(m) for m in months]
    fixed_months = {i: overrides[("company", "all", k)] for i, k in enumerate(mkeys)
                    if ("company", "all", k) in overrides}
    company = largest_remainder(annual, weights, fixed_months, f"{metric} {year} -> months")
    out.targets[("company", "all", str(year))] = annual
    by_month: dict[str, list[RepMonth]] = {k: [] for k in mkeys}
    for rm in rep_months:
        if rm.month.year == year:
            by_month[_month_key(rm.month)].append(rm)

    region_cells: dict[str, list[int]] = {}
    if region_annual:
        names = list(region_annual)
        totals = [whole(region_annual[r], f"{metric} region {r}") for r in names]
        if sum(totals) != annual:
            raise PlanError(f"{metric}: regions sum to {sum(totals)}, the company's year is {annual}")
        matrix = round_matrix(totals, company, f"{metric} regions x months")
        region_cells = dict(zip(names, matrix, strict=True))

    for i, mk in enumerate(mkeys):
        total = company[i]
        out.targets[("company", "all", mk)] = total
        reps = sorted(by_month[mk], key=lambda r: (r.region, r.team_id, r.employee_id))
        cap = {r.employee_id: capacity(r, policy) for r in reps}
        regions = sorted({r.region for r in reps} | set(region_cells))
        if region_cells:
            region_split = [region_cells.get(g, [0] * 12)[i] for g in regions]
        else:
            region_split = _split(total, regions, [sum(cap[r.employee_id] for r in reps if r.region == g)
                                                   for g in regions], "region", mk, overrides, f"{metric} {mk}")
        for g, g_total in zip(regions, region_split, strict=True):
            out.targets[("region", g, mk)] = g_total
            out.parents[("region", g, mk)] = ("company", "all")
            members = [r for r in reps if r.region == g]
            teams = sorted({r.team_id for r in members})
            team_split = _split(g_total, teams, [sum(cap[r.employee_id] for r in members if r.team_id == t)
                                                 for t in teams], "team", mk, overrides, f"{metric} {mk} region {g}")
            for t, t_total in zip(teams, team_split, strict=True):
                out.targets[("team", t, mk)] = t_total
                out.parents[("team", t, mk)] = ("region", g)
                team_reps = [r for r in members if r.team_id == t]
                ids = [r.employee_id for r in team_reps]
                rep_split = _split(t_total, ids, [cap[e] for e in ids], "rep", mk, overrides,
                                   f"{metric} {mk} team {t}")
                for e, e_total in zip(ids, rep_split, strict=True):
                    out.targets[("rep", e, mk)] = e_total
                    out.parents[("rep", e, mk)] = ("team", t)

    for kind, members in (breakdowns or {}).items():
        names = list(members)
        member_annual = largest_remainder(annual, [members[n] for n in names], None, f"{metric} {kind}")
        matrix = round_matrix(member_annual, company, f"{metric} {kind} x months")
        for n, row in zip(names, matrix, strict=True):
            for mk, v in zip(mkeys, row, strict=True):
                out.targets[(kind, n, mk)] = v
                out.parents[(kind, n, mk)] = ("company", "all")

    _years(out, year)
    weeks_of(out, months, holidays)
    return out


def _split(total: int, children: list[str], weights: list[Fraction], scope: str, mk: str,
           overrides: Mapping[tuple[str, str, str], int], what: str) -> list[int]:
    fixed = {i: overrides[(scope, c, mk)] for i, c in enumerate(children) if (scope, c, mk) in overrides}
    return largest_remainder(total, weights, fixed, what)


def _years(out: Decomposition, year: int) -> None:
    """A scope's year is the sum of its months (for the company, the plan's figure, which its months sum to)."""
    sums: dict[tuple[str, str], int] = {}
    for (scope, value, period), v in out.targets.items():
        if scope != "company" and len(period) == 7:
            sums[(scope, value)] = sums.get((scope, value), 0) + v
    for (scope, value), v in sums.items():
        out.targets[(scope, value, str(year))] = v


def weeks_of(out: Decomposition, months: list[date], holidays: frozenset[date]) -> None:
    """Month -> ISO-week parts by working days, the company first, then each child against its parent's parts."""
    for month in months:
        mk = _month_key(month)
        weeks = working_days_by_week(month, holidays)
        names = [w for w, _ in weeks]
        company = largest_remainder(out.targets[("company", "all", mk)], [n for _, n in weeks], None, f"weeks {mk}")
        parts: dict[tuple[str, str], list[int]] = {("company", "all"): company}
        for scope in ("region", "team", "rep", "product_line", "customer_tier"):
            children: dict[tuple[str, str], list[str]] = {}
            for (s, value, period), parent in out.parents.items():
                if s == scope and period == mk:
                    children.setdefault(parent, []).append(value)
            for parent, values in children.items():
                rows = [out.targets[(scope, v, mk)] for v in values]
                for v, cells in zip(values, round_matrix(rows, parts[parent], f"{scope} weeks {mk}"), strict=True):
                    parts[(scope, v)] = cells
        for (scope, value), cells in parts.items():
            for w, units in zip(names, cells, strict=True):
                out.week_parts[(scope, value, mk, w)] = units
