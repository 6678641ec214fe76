"""The annual plan YAML (docs/planning.md) lands in raw.planning__plan like any extract: one row per target, its
YAML line as `_source_row`, a bad value quarantined with the line it is on, a malformed plan a failed file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from dagster_project.extracts import BY_NAME
from dagster_project.ingest.landing import IngestError
from dagster_project.ingest.load import ingest_extract

pytestmark = pytest.mark.unit

PLAN = BY_NAME["planning__plan"]
AT = datetime(2026, 1, 2, 3, 0, 0)
YAML = """\
plan_year: 2026
effective_from: 2025-12-15
updated_at: 2025-12-15T02:00:00Z
targets:
  revenue: 120000000
  new_customers: 240
by_region:
  revenue:
    East: 70000000
    North: -5
policy:
  new_customer_share: 0.30
monthly:
  team:
    revenue:
      T01: {2026-01: 900, 2026-02: 800}
decomposition:
  months: equal
"""


def _landing(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "landing" / "planning" / "plan"
    folder.mkdir(parents=True)
    (folder / "plan_20251215.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "landing"


def test_plan_yaml_rows_carry_their_line_and_a_negative_target_is_quarantined(tmp_path: Path, con) -> None:
    result = ingest_extract(con, PLAN, _landing(tmp_path, YAML), "L1", AT)
    assert (result.rows_loaded, result.rows_quarantined) == (6, 1)
    rows = con.execute(
        "select scope, scope_value, metric, target_value, effective_from, updated_at, _source_row, _source_file"
        " from raw.planning__plan where period = '2026' order by _source_row"
    ).fetchall()
    assert rows == [
        ("company", "all", "revenue", "120000000", "2025-12-15", "2025-12-15T02:00:00Z", 5,
         "planning/plan/plan_20251215.yaml"),
        ("company", "all", "new_customers", "240", "2025-12-15", "2025-12-15T02:00:00Z", 6,
         "planning/plan/plan_20251215.yaml"),
        ("region", "East", "revenue", "70000000", "2025-12-15", "2025-12-15T02:00:00Z", 9,
         "planning/plan/plan_20251215.yaml"),
        ("policy", "all", "new_customer_share", "0.30", "2025-12-15", "2025-12-15T02:00:00Z", 12,
         "planning/plan/plan_20251215.yaml"),
    ]
    assert con.execute(
        "select scope, scope_value, period, target_value, _source_row from raw.planning__plan where period <> '2026'"
    ).fetchall() == [("team", "T01", "2026-01", "900", 16), ("team", "T01", "2026-02", "800", 16)]
    (row, reason), = con.execute("select source_row, reason from raw._quarantine").fetchall()
    assert row == 10 and "target_value" in reason


def test_an_unknown_key_fails_the_file_naming_its_line(tmp_path: Path, con) -> None:
    with pytest.raises(IngestError, match=r"line 2: unknown key 'region_targets'"):
        ingest_extract(con, PLAN, _landing(tmp_path, "plan_year: 2026\nregion_targets: {}\n"), "L1", AT)
