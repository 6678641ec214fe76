"""The decomposition of docs/planning.md with hand-worked figures: largest remainder (ties to the first listed),
overrides kept and the rest re-split, matrix rounding with both margins exact, each month method, the ISO-week cut by
working days, the new-hire ramp and a rep who leaves mid-year; then a property test over random plans: every level
sums exactly to its parent and nobody has a target outside employment."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from dagster_project.plan.decompose import (
    CapacityPolicy,
    PlanError,
    RepMonth,
    decompose,
    largest_remainder,
    month_weights,
    round_matrix,
    working_days_by_week,
)

pytestmark = pytest.mark.unit


def test_largest_remainder_hand_worked() -> None:
    assert largest_remainder(100, [1, 2, 3, 4]) == [10, 20, 30, 40]
    # 10/3 each: floors 3, 3, 3 and one unit left; the three remainders tie -> the first listed
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    # 5, 2.5, 2.5: the tie between the second and third goes to the second
    assert largest_remainder(10, [2, 1, 1]) == [5, 3, 2]
    # 7 * (0.1, 0.35, 0.55) = 0.7, 2.45, 3.85: floors 0, 2, 3, two left -> 0.85 then 0.7
    assert largest_remainder(7, [Decimal("0.1"), Decimal("0.35"), Decimal("0.55")]) == [1, 2, 4]


def test_overrides_are_kept_and_the_rest_re_split() -> None:
    assert largest_remainder(100, [1, 1, 1, 1], {0: 40}) == [40, 20, 20, 20]
    assert largest_remainder(100, [1, 1, 1, 1], {0: 40, 3: 0}) == [40, 30, 30, 0]
    with pytest.raises(PlanError, match="overrides sum to 110, more than the parent's 100"):
        largest_remainder(100, [1, 1, 1], {1: 70, 2: 40})
    with pytest.raises(PlanError, match="5 left to split and no child with capacity"):
        largest_remainder(5, [0, 0])


def test_round_matrix_keeps_both_margins() -> None:
    # exact cells 1.5 3.5 / 1.5 3.5: the first row takes the first column's missing unit, the second the other
    assert round_matrix([5, 5], [3, 7]) == [[2, 3], [1, 4]]
    assert round_matrix([6, 3], [3, 3, 3]) == [[2, 2, 2], [1, 1, 1]]
    with pytest.raises(PlanError, match="rows sum to 4, columns to 5"):
        round_matrix([4], [5])


def _ym(y: int, m: int) -> date:
    return date(y, m, 1)


def test_month_methods_hand_worked() -> None:
    assert month_weights("equal", 2026) == [1] * 12
    pct = {m: 5 for m in range(1, 11)} | {11: 20, 12: 30}
    assert largest_remainder(1000, month_weights("explicit", 2026, explicit_percent=pct)) == [50] * 10 + [200, 300]
    with pytest.raises(PlanError, match="summing to 100"):
        month_weights("explicit", 2026, explicit_percent={m: 8 for m in range(1, 13)})
    # 10 a month in 2024 and 2025, except December: 30 in 2024, 50 in 2025
    book = {_ym(y, m): 10 for y in (2024, 2025) for m in range(1, 12)} | {_ym(2024, 12): 30, _ym(2025, 12): 50}
    # seasonality: each calendar month twice in the 24 months to 2025-12 -> 20 a month, December 80 (of 300)
    assert largest_remainder(1200, month_weights("seasonality", 2026, book)) == [80] * 11 + [320]
    # last year's shares: 10 a month and 50 (of 160)
    assert largest_remainder(1600, month_weights("last_year", 2026, book)) == [100] * 11 + [500]
    # planned in December before its bookings: the window is 2023-12..2025-11, December counted once (30)
    early = {d: v for d, v in book.items() if d < _ym(2025, 12)}
    assert month_weights("seasonality", 2026, early) == [20] * 11 + [30]


def test_iso_weeks_by_working_days() -> None:
    # June 2026 starts on a Monday: four full weeks and Mon-Tue of W27
    assert working_days_by_week(_ym(2026, 6)) == [
        ("2026-W23", 5), ("2026-W24", 5), ("2026-W25", 5), ("2026-W26", 5), ("2026-W27", 2)]
    # 1 January 2026 is a Thursday; as a holiday it leaves W01 one working day
    assert working_days_by_week(_ym(2026, 1), frozenset({date(2026, 1, 1)}))[0] == ("2026-W01", 1)


LEVELS = CapacityPolicy("level", {"Sales Rep": 1, "Senior Sales Rep": Fraction(3, 2)}, ramp_months=2,
                        ramp_share=Fraction(1, 2))


def _rm(emp: str, m: int, days: int | None = None, tenure: int = 24, level: str = "Sales Rep", team: str = "T1",
        region: str = "East") -> RepMonth:
    month = _ym(2026, m)
    full = 31 if m in (1, 3, 5, 7, 8, 10, 12) else 30 if m != 2 else 28
    return RepMonth(emp, month, region, team, level, full if days is None else days, tenure)


def test_ramp_and_a_rep_who_leaves_mid_year() -> None:
    # A senior (1.5) all year; N hired in June (ramp: June and July at 1/2); C leaves on 15 June (15 of 30 days)
    reps = [_rm("A", m, level="Senior Sales Rep") for m in range(1, 13)]
    reps += [_rm("N", m, tenure=m - 5) for m in range(6, 13)]
    reps += [_rm("C", m) for m in range(1, 6)] + [_rm("C", 6, days=15)]
    out = decompose("revenue", 2026, 12_000, [1] * 12, reps, LEVELS)
    t = out.targets
    # January: A 1.5, C 1 -> 1000 as 600 / 400
    assert (t["rep", "A", "2026-01"], t["rep", "C", "2026-01"]) == (600, 400)
    # June: A 1.5, N 1/2 (ramp), C 1/2 (half the month) -> 1000 as 600 / 200 / 200
    assert (t["rep", "A", "2026-06"], t["rep", "N", "2026-06"], t["rep", "C", "2026-06"]) == (600, 200, 200)
    # July: A 1.5, N 1/2 -> 750 / 250; August (N ramped up): A 1.5, N 1 -> 600 / 400
    assert (t["rep", "A", "2026-07"], t["rep", "N", "2026-07"]) == (750, 250)
    assert (t["rep", "A", "2026-08"], t["rep", "N", "2026-08"]) == (600, 400)
    assert ("rep", "C", "2026-07") not in t and ("rep", "N", "2026-05") not in t
    assert t["rep", "C", "2026"] == 5 * 400 + 200
    assert t["team", "T1", "2026"] == t["region", "East", "2026"] == t["company", "all", "2026"] == 12_000


def test_last_years_output_weighs_reps_and_a_new_rep_gets_the_median() -> None:
    # last year per month employed: A 3000, B 1000, C 2000; N has no history -> the median 2000; M is a manager
    # (level weight 0): nothing, whatever the method
    policy = CapacityPolicy("last_year", {"Sales Manager": 0}, last_year_monthly={"A": 3000, "B": 1000, "C": 2000})
    reps = [_rm(e, 1) for e in ("A", "B", "C", "N")] + [_rm("M", 1, level="Sales Manager")]
    out = decompose("revenue", 2026, 8_000, [1] + [0] * 11, reps, policy)
    assert [out.targets["rep", e, "2026-01"] for e in ("A", "B", "C", "N", "M")] == [3000, 1000, 2000, 2000, 0]


def test_a_rep_override_is_kept_and_the_team_re_balanced() -> None:
    reps = [_rm(e, m) for e in ("A", "B", "C") for m in range(1, 13)]
    out = decompose("revenue", 2026, 12_000, [1] * 12, reps, LEVELS, overrides={("rep", "A", "2026-03"): 700})
    t = out.targets
    assert (t["rep", "A", "2026-03"], t["rep", "B", "2026-03"], t["rep", "C", "2026-03"]) == (700, 150, 150)
    assert (t["rep", "A", "2026-04"], t["rep", "B", "2026-04"], t["rep", "C", "2026-04"]) == (334, 333, 333)


def test_the_worked_example_of_docs_planning() -> None:
    # E1 senior all March (1.25), E2 in ramp (0.5), E3 leaves on 16 March (16/31); the team's March is 100,000
    reps = [_rm("E1", 3, level="Senior Sales Rep"), _rm("E2", 3, tenure=2), _rm("E3", 3, days=16)]
    weights = [0, 0, 1] + [0] * 9
    policy = CapacityPolicy("level", {"Sales Rep": 1, "Senior Sales Rep": Decimal("1.25")}, 3, Decimal("0.5"))
    out = decompose("revenue", 2026, 100_000, weights, reps, policy)
    assert [out.targets["rep", e, "2026-03"] for e in ("E1", "E2", "E3")] == [55_160, 22_064, 22_776]
    kept = decompose("revenue", 2026, 100_000, weights, reps, policy, overrides={("rep", "E1", "2026-03"): 60_000})
    assert [kept.targets["rep", e, "2026-03"] for e in ("E1", "E2", "E3")] == [60_000, 19_683, 20_317]


def test_fixed_regions_and_product_lines_sum_both_ways() -> None:
    reps = [_rm("A", m, region="East", team="T1") for m in range(1, 13)]
    reps += [_rm("B", m, region="North", team="T2") for m in range(1, 13)]
    out = decompose("revenue", 2026, 1_000, [1] * 12, reps, LEVELS, region_annual={"East": 700, "North": 300},
                    breakdowns={"product_line": {"Core": 1, "Analytics": 2}})
    t = out.targets
    assert (t["region", "East", "2026"], t["region", "North", "2026"]) == (700, 300)
    assert (t["product_line", "Core", "2026"], t["product_line", "Analytics", "2026"]) == (333, 667)
    for m in range(1, 13):
        mk = f"2026-{m:02d}"
        assert t["region", "East", mk] + t["region", "North", mk] == t["company", "all", mk]
        assert t["product_line", "Core", mk] + t["product_line", "Analytics", mk] == t["company", "all", mk]
    with pytest.raises(PlanError, match="regions sum to 900, the company's year is 1000"):
        decompose("revenue", 2026, 1_000, [1] * 12, reps, LEVELS, region_annual={"East": 600, "North": 300})


def _random_plan(rng: random.Random) -> tuple[int, list[int], list[RepMonth], dict]:
    reps: list[RepMonth] = []
    for k in range(rng.randint(1, 12)):
        region, team = rng.choice([("East", "T1"), ("East", "T2"), ("North", "T3"), ("South", "T4")])
        start, end = rng.randint(1, 12), 12
        if rng.random() < 0.3:
            start, end = 1, rng.randint(1, 12)
        for m in range(start, end + 1):
            days = rng.randint(1, 28) if m in (start, end) and rng.random() < 0.5 else None
            level = rng.choice(["Sales Rep", "Senior Sales Rep"])
            reps.append(_rm(f"R{k}", m, days, tenure=m - start + 1, level=level, team=team, region=region))
    employed = {r.month.month for r in reps}
    weights = [rng.randint(1, 9) if m in employed else 0 for m in range(1, 13)]
    overrides = {}
    shared = [r for r in reps if sum(1 for o in reps if (o.team_id, o.month) == (r.team_id, r.month)) > 1]
    if shared:  # a rep alone in a team's month cannot be overridden: the rest would have nobody to go to
        pick = rng.choice(shared)
        overrides[("rep", pick.employee_id, f"{pick.month:%Y-%m}")] = rng.randint(0, 50)
    return rng.randint(1_000, 10_000_000), weights, reps, overrides


@pytest.mark.parametrize("seed", range(40))
def test_random_plans_sum_exactly_at_every_level(seed: int) -> None:
    rng = random.Random(seed)
    annual, weights, reps, overrides = _random_plan(rng)
    try:
        out = decompose("revenue", 2026, annual, weights, reps, LEVELS, overrides=overrides,
                        breakdowns={"customer_tier": {"A": 3, "B": 2, "C": 1}})
    except PlanError as exc:  # an override larger than its team's month: refused, never silently changed
        assert "more than the parent" in str(exc)
        return
    t = out.targets
    assert all(v >= 0 for v in t.values())
    assert sum(v for (s, _, p), v in t.items() if s == "company" and len(p) == 7) == annual
    for key, v in overrides.items():
        assert t[key] == v
    employed = {(r.employee_id, f"{r.month:%Y-%m}") for r in reps}
    assert {(v, p) for (s, v, p) in t if s == "rep" and len(p) == 7} == employed
    children: dict[tuple[str, str, str], int] = {}
    for (scope, value, mk), parent in out.parents.items():
        if scope in ("region", "team", "rep"):
            children[(*parent, mk)] = children.get((*parent, mk), 0) + t[scope, value, mk]
    for (ps, pv, mk), total in children.items():
        assert t[ps, pv, mk] == total, (ps, pv, mk)
    # week parts: each scope's parts sum to its month; each parent's part is its children's parts
    week_sum: dict[tuple[str, str, str], int] = {}
    for (scope, value, mk, _), v in out.week_parts.items():
        week_sum[(scope, value, mk)] = week_sum.get((scope, value, mk), 0) + v
    assert all(t[k] == v for k, v in week_sum.items())
    by_parent: dict[tuple[str, str, str, str], int] = {}
    for (scope, value, mk, w), v in out.week_parts.items():
        if (scope, value, mk) in out.parents and scope in ("region", "team", "rep"):
            by_parent[(*out.parents[scope, value, mk], mk, w)] = by_parent.get(
                (*out.parents[scope, value, mk], mk, w), 0) + v
    assert all(out.week_parts[k] == v for k, v in by_parent.items())
