"""`spm plan check` rules on a hand-made workbook (docs/planning.md, The workbook): each broken rule is named with
its sheet, cell and rule, and a consistent workbook passes. No warehouse: the check reads the workbook only."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from dagster_project.cli import main
from dagster_project.plan.decompose import PlanError
from dagster_project.plan.workbook import ROSTER_HEADER, TARGET_HEADER, check, import_workbook

pytestmark = pytest.mark.unit

# company 2026 = 300 in January only (the other months 0); team T1 = E1 200 + E2 100
TARGETS = [
    ["revenue", "company", "all", "2026", None, None, 300, 300],
    *[["revenue", "company", "all", f"2026-{m:02d}", None, None, v, v] for m, v in [(1, 300)] + [
        (m, 0) for m in range(2, 13)]],
    ["revenue", "region", "East", "2026", None, None, 300, 300],
    ["revenue", "region", "East", "2026-01", "company", "all", 300, 300],
    ["revenue", "team", "T1", "2026", None, None, 300, 300],
    ["revenue", "team", "T1", "2026-01", "region", "East", 300, 300],
    ["revenue", "rep", "E1", "2026", None, None, 200, 200],
    ["revenue", "rep", "E1", "2026-01", "team", "T1", 200, 200],
    ["revenue", "rep", "E2", "2026", None, None, 100, 100],
    ["revenue", "rep", "E2", "2026-01", "team", "T1", 100, 100],
]
ROSTER = [["E1", "2026-01", "East", "T1", "Sales Rep", 31, 1.0], ["E2", "2026-01", "East", "T1", "Sales Rep", 31, 1.0]]


def _workbook(path: Path, targets: list[list], roster: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "targets"
    ws.append(TARGET_HEADER)
    for row in targets:
        ws.append(row)
    r = wb.create_sheet("roster")
    r.append(ROSTER_HEADER)
    for row in roster:
        r.append(row)
    p = wb.create_sheet("plan")
    p.append(["key", "value"])
    p.append(["effective_from", "2025-12-15"])
    p.append(["policy.lead_conversion", 0.15])
    wb.save(path)
    return path


def test_a_consistent_workbook_passes_and_imports(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "ok.xlsx", TARGETS, ROSTER)
    assert check(path) == []
    written = import_workbook(path, tmp_path / "landing")
    assert [p.relative_to(tmp_path / "landing").parent.as_posix() for p in written] == ["planning/target",
                                                                                        "planning/plan"]
    lines = written[0].read_text(encoding="utf-8").splitlines()
    assert lines[0] == "employee_id,period_month,metric,target_value,is_deleted,updated_at"
    assert [line.rsplit(",", 1)[0] for line in lines[1:]] == [
        "E1,2026-01,revenue,200,false", "E2,2026-01,revenue,100,false"]
    # January 2026: Thu 1 and Fri 2 in W01, then four full weeks: the company's 300 by working days 2:5:5:5:5 of 22
    # = 27.27 and 68.18 four times; floors sum to 299, the unit left to the larger fraction (.27, W01)
    plan = written[1].read_text(encoding="utf-8")
    assert "2026-W01: 28\n        2026-W02: 68\n" in plan


def test_each_broken_rule_names_its_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    targets = [list(r) for r in TARGETS]
    targets[-1][7] = 150  # E2 January (row 22): team T1 and E2's year no longer add up
    targets[-3][7] = -5  # E1 January (row 20): negative
    targets.append(["revenue", "rep", "E9", "2026-01", "team", "T1", 0, 0])  # row 23: not employed
    roster = [*ROSTER, ["E3", "2026-01", "East", "T1", "Sales Rep", 31, 1.0]]  # roster row 4: no target
    path = _workbook(tmp_path / "bad.xlsx", targets, roster)
    assert sorted(str(p) for p in check(path)) == sorted([
        "targets!H20 (rule whole_non_negative_target): rep E1 2026-01 revenue: -5 is not a whole number >= 0",
        "targets!H23 (rule target_only_when_employed): rep E9 has a revenue target for 2026-01 but is not employed "
        "then",
        "targets!H21 (rule months_sum_to_year): rep E2 revenue 2026 is 100 but its months sum to 150",
        "targets!H18 (rule children_sum_to_parent): team T1 2026-01 revenue is 300 but its rep rows sum to 150 "
        "(rows 22-23)",
        "roster!A4 (rule every_employed_rep_has_a_target): rep E3 is employed in 2026-01 but has no revenue target",
    ])
    with pytest.raises(PlanError, match=r"bad.xlsx fails 5 check\(s\)"):
        import_workbook(path, tmp_path / "landing")
    assert main(["plan", "check", str(path)]) == 1
    assert capsys.readouterr().out.endswith("bad.xlsx: 5 problem(s)\n")
