"""`spm plan propose -> edit a cell -> check -> propose --keep -> check -> import -> run` on the session warehouse
(docs/planning.md): the workbook holds numbers, sums exactly, names the cell and rule an edit breaks, keeps the edit
as an override, and after import and a run the company's 2026 revenue target in mart_target_attainment is the
plan's figure and every delivered rep target adds up to the plan."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from dagster_project.cli import main
from tests.conftest import BuiltWarehouse, build

pytestmark = pytest.mark.integration

PLAN = """\
plan_year: 2026
effective_from: 2025-12-15
updated_at: 2025-12-15T02:00:00Z
targets:
  revenue: 32000000
  new_customers: 120
by_customer_tier:
  revenue: {A: 16000000, B: 10000000, C: 6000000}
policy:
  new_customer_share: 0.30
  lead_conversion: 0.15
  visits_per_rep_week: 5
  calls_per_rep_week: 25
decomposition:
  months: seasonality
  reps: level
  ramp_months: 3
  ramp_share: 0.5
"""


def _rows(path: Path) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    try:
        return list(wb["targets"].iter_rows(values_only=True))[1:]
    finally:
        wb.close()


def test_propose_edit_check_keep_import_and_run(
    built_warehouse: BuiltWarehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(built_warehouse.landing, landing)
    (landing / "planning" / "plan").mkdir()
    (landing / "planning" / "plan" / "plan_20251215.yaml").write_text(PLAN, encoding="utf-8")
    wh = built_warehouse.copy_to(tmp_path / "wh").warehouse
    where = ["--landing", str(landing), "--warehouse", str(wh)]
    proposed = tmp_path / "plan_2026.xlsx"
    assert main(["plan", "propose", "--year", "2026", "--out", str(proposed), *where]) == 0
    rows = _rows(proposed)
    company = {r[3]: r[7] for r in rows if r[:3] == ("revenue", "company", "all")}
    assert company["2026"] == 32_000_000 and isinstance(company["2026"], int)
    assert sum(v for p, v in company.items() if len(p) == 7) == 32_000_000
    assert main(["plan", "check", str(proposed), *where]) == 0

    # a planner raises one rep's March revenue target by 50,000: the team no longer adds up
    wb = load_workbook(proposed)
    ws = wb["targets"]
    reps = [row for row in ws.iter_rows(min_row=2) if row[0].value == "revenue" and row[1].value == "rep"
            and row[3].value == "2026-03"]
    team = reps[0][5].value
    assert sum(1 for r in reps if r[5].value == team) > 1
    cell = reps[0][7]
    new_value = cell.value + 50_000
    cell.value = new_value
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    capsys.readouterr()
    assert main(["plan", "check", str(edited), *where]) == 1
    out = capsys.readouterr().out
    team_row = next(r for r in ws.iter_rows(min_row=2) if (r[0].value, r[1].value, r[2].value, r[3].value) == (
        "revenue", "team", team, "2026-03"))
    assert f"targets!H{team_row[0].row} (rule children_sum_to_parent): team {team} 2026-03 revenue is" in out
    assert "(rule months_sum_to_year): rep" in out

    # re-proposed around the edit: kept, the team's other reps re-balanced, everything adds up again
    kept = tmp_path / "plan_2026_v2.xlsx"
    assert main(["plan", "propose", "--year", "2026", "--keep", str(edited), "--out", str(kept), *where]) == 0
    assert main(["plan", "check", str(kept), *where]) == 0
    again = {(r[0], r[1], r[2], r[3]): r[7] for r in _rows(kept)}
    assert again[("revenue", "rep", reps[0][2].value, "2026-03")] == new_value
    assert again[("revenue", "team", team, "2026-03")] == team_row[7].value

    assert main(["plan", "import", str(kept), *where]) == 0
    result = build(landing, wh)
    assert result.success
    con = duckdb.connect(str(wh), read_only=True)
    try:
        target, source = con.execute(
            "select target, target_source from marts.mart_target_attainment where metric = 'revenue' "
            "and scope = 'company' and grain = 'year' and period = '2026'").fetchone()
        assert (target, source) == (32_000_000, "plan")
        assert con.execute(
            "select target from marts.mart_target_attainment where metric = 'revenue' and scope = 'rep' "
            "and scope_value = ? and period = '2026-03'", [reps[0][2].value]).fetchone() == (new_value,)
        assert con.execute("select count(*), count(*) filter (where not adds_up) from marts.mart_plan_reconciliation"
                           ).fetchone()[1] == 0
        tiers = con.execute(
            "select scope_value, target from marts.mart_target_attainment where scope = 'customer_tier' "
            "and grain = 'year' and period = '2026' order by 1").fetchall()
        assert tiers == [("A", 16_000_000), ("B", 10_000_000), ("C", 6_000_000)]
        # The policy's visits and calls per rep and week: every 2026 ISO week of an employed rep carries them; only
        # 2026-W01 (from 29 December) has begun by the session's as-of date, so only it has an actual (so far).
        weeks = con.execute(
            "select metric, count(*), min(target), max(target), min(target_source), "
            "count(*) filter (where actual is not null and period <> '2026-W01'), "
            "count(*) filter (where actual is not null and not is_partial) "
            "from marts.mart_target_attainment where metric in ('visits', 'calls') and period like '2026-W%' "
            "group by metric order by metric").fetchall()
        assert [row[2:] for row in weeks] == [(25, 25, "policy", 0, 0), (5, 5, "policy", 0, 0)]
        assert weeks[0][1] == weeks[1][1] > 53
    finally:
        con.close()
