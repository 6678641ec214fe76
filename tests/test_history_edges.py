"""Edges of history: data older than any fixed calendar start, a quiet first month, a period without a policy.

One extra build on a landing folder shifted five years back (2023-2025 -> 2018-2020, 29 February -> 28th) in
which no deal closes in the first month (January 2018 closes move to 15 February): the calendar must come from
the data, and the spine from every dated fact, not from bookings.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import build

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
YEARS_BACK = 5
_DATE = re.compile(r"(?<![0-9])(20[0-9]{2})-([0-9]{2})(-[0-9]{2})?")
_FILE_DATE = re.compile(r"_(20[0-9]{2})([0-9]{4})")


def _shift(match: re.Match[str]) -> str:
    year, month, day = int(match.group(1)) - YEARS_BACK, match.group(2), match.group(3) or ""
    if month == "02" and day == "-29":
        day = "-28"  # 2024 is a leap year, 2019 is not
    return f"{year}-{month}{day}"


def shift_landing(source: Path, target: Path) -> None:
    """Every date, timestamp, period and file-name date five years earlier."""
    for path in source.rglob("*.csv"):
        relative = path.relative_to(source)
        name = _FILE_DATE.sub(lambda m: f"_{int(m.group(1)) - YEARS_BACK}{m.group(2)}", relative.name)
        out = target / relative.parent / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_DATE.sub(_shift, path.read_text(encoding="utf-8")), encoding="utf-8")


def quiet_first_month(landing: Path, month: str) -> int:
    """Move every close in `month` (YYYY-MM) to the 15th of the next month; the number of deals moved."""
    moved = 0
    following = f"{month[:4]}-{int(month[5:]) + 1:02d}-15"
    for path in sorted((landing / "crm" / "opportunity").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        close = rows[0].index("CloseDate")
        for row in rows[1:]:
            if len(row) > close and row[close].startswith(month):
                row[close] = following
                moved += 1
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
    return moved


@pytest.fixture(scope="module")
def old_history(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("history")
    shifted = folder / "landing"
    shift_landing(landing, shifted)
    assert quiet_first_month(shifted, "2018-01") > 0
    warehouse = folder / "warehouse.duckdb"
    result = build(shifted, warehouse)
    failures = [e.event_specific_data.error.message[:2000] for e in result.all_events if e.is_step_failure]
    assert result.success, failures
    return warehouse


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_history_from_2018_builds_with_its_quarters_graded(old_history: Path) -> None:
    months = _rows(old_history, "select min(month), max(month) from marts.mart_rep_monthly_kpis")[0]
    assert str(months[0]) == "2018-01-01"
    graded = _rows(
        old_history,
        "select count(*) from marts.mart_quarterly_evaluation_latest where quarter = '2018Q1' and grade is not null",
    )[0][0]
    assert graded > 0


def test_a_quiet_first_month_keeps_its_targets_and_base_salary(old_history: Path) -> None:
    january = _rows(
        old_history,
        "select count(*), sum(revenue_target), sum(bookings) from marts.mart_rep_monthly_kpis "
        "where month = date '2018-01-01'",
    )[0]
    assert january[0] > 0 and january[1] > 0
    assert not january[2]  # no deal closed in January
    base = _rows(
        old_history,
        "select count(*), sum(amount) from marts.mart_pay_statement where month = date '2018-01-01' "
        "and line = 'base_salary'",
    )[0]
    assert base[0] > 0 and base[1] > 0


def test_a_period_without_a_policy_fails_naming_the_table_and_months(old_history: Path, tmp_path: Path) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(old_history, copy)
    con = duckdb.connect(str(copy))
    con.execute("update config.policy_annual set effective_from = date '2019-01-01'")
    con.close()
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "test", "--select", "policy_annual,test_name:policy_in_force_for_every_period",
         "--profiles-dir", ".", "--target-path", str(tmp_path / "t"), "--log-path", str(tmp_path / "logs")],
        cwd=REPO / "dbt", env={**os.environ, "SPM_WAREHOUSE": str(copy)}, capture_output=True, text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "no policy in force in policy_annual for 12 month(s) of the data, from 2018-01 to 2018-12" in result.stdout
