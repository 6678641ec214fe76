"""The quarterly evaluation run: quality gates block publication; publishing freezes versions; restatements diff."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import BuiltWarehouse, build

from dagster_project import cli, publish
from dagster_project.assets.publication import evaluation
from dagster_project.jobs import publish_quarterly_evaluation_job

pytestmark = pytest.mark.integration

QUARTER = "2025Q3"


def _publish(copy: BuiltWarehouse, reason: str | None = None):  # type: ignore[no-untyped-def]
    run_config = {"ops": {evaluation.publish_op: {"config": {"reason": reason}}}}
    return build(
        copy.landing, copy.warehouse, job=publish_quarterly_evaluation_job,
        partition_key=publish.partition_from_quarter(QUARTER), run_config_extra=run_config,
    )


def _rows(warehouse: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.mark.unit
def test_quarter_labels_map_to_partitions_and_back() -> None:
    assert publish.partition_from_quarter("2025Q3") == "2025-07"
    assert publish.quarter_from_partition("2025-10") == "2025Q4"
    with pytest.raises(publish.PublishError, match="like 2025Q3"):
        publish.partition_from_quarter("2025-Q3")


def test_publish_then_restate_after_a_data_change(built_warehouse: BuiltWarehouse, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(built_warehouse.landing, landing)
    copy = built_warehouse.copy_to(tmp_path)
    copy.landing = landing

    first = _publish(copy)
    assert first.success
    (version, reason, rows), = _rows(
        copy.warehouse, "select version, reason, rows_published from publish.evaluation_publications where quarter = ?",
        [QUARTER],
    )
    assert (version, reason) == (1, "initial publication") and rows > 0
    v1_before = _rows(copy.warehouse, "select * from publish.quarterly_evaluation_versions order by employee_id")
    latest = _rows(
        copy.warehouse,
        "select count(*), min(status), min(version) from marts.mart_quarterly_evaluation_latest where quarter = ?",
        [QUARTER],
    )
    assert latest == [(rows, "published", 1)]

    # Re-running on unchanged data publishes nothing new.
    assert _publish(copy).success
    assert _rows(copy.warehouse, "select count(*) from publish.evaluation_publications") == [(1,)]

    # Planning re-delivers the July target of a rep scored below the cap, tripled: attainment and score move.
    (star, july_target), = _rows(
        copy.warehouse,
        """select e.employee_id, t.target_value from publish.quarterly_evaluation_versions e
           join staging.stg_planning__target t on t.employee_id = e.employee_id
            and t.period_month = date '2025-07-01' and t.metric = 'revenue'
           where e.is_graded and e.attainment_score between 20 and 100 order by e.rank limit 1""",
    )
    delivery = landing / "planning" / "target" / "target_20251231_1.csv"
    delivery.write_text(
        "employee_id,period_month,metric,target_value,is_deleted,updated_at\n"
        f"{star},2025-07,revenue,{july_target * 3:.2f},false,2025-12-31T06:00:00Z\n"
    )
    assert build(copy.landing, copy.warehouse).success
    second = _publish(copy, reason="planning corrected the July target")
    assert second.success

    publications = _rows(
        copy.warehouse, "select version, reason from publish.evaluation_publications where quarter = ? order by 1",
        [QUARTER],
    )
    assert publications == [(1, "initial publication"), (2, "planning corrected the July target")]
    diffs = _rows(
        copy.warehouse, "select employee_id, field from publish.quarterly_evaluation_diffs where version = 2"
    )
    assert (star, "attainment_target") in diffs and (star, "composite_score") in diffs
    v1_after = _rows(
        copy.warehouse, "select * from publish.quarterly_evaluation_versions where version = 1 order by employee_id"
    )
    assert v1_after == v1_before, "a published version never changes"
    default_view = _rows(
        copy.warehouse,
        "select version from marts.mart_quarterly_evaluation_latest where quarter = ? and employee_id = ?",
        [QUARTER, star],
    )
    assert default_view == [(2,)]
    both = _rows(
        copy.warehouse,
        "select version from marts.mart_quarterly_evaluation where quarter = ? and employee_id = ? order by 1",
        [QUARTER, star],
    )
    assert both == [(1,), (2,)]


@pytest.mark.parametrize(
    ("defect", "expected"),
    [
        (
            "insert into intermediate.int_quarterly_evaluation select * from intermediate.int_quarterly_evaluation "
            "where quarter = '2025Q3' and rank = 1",
            "expect_compound_columns_to_be_unique",
        ),
        (
            "update intermediate.int_quarterly_evaluation set weights_used_total = 0.9 "
            "where quarter = '2025Q3' and rank = 2",
            "weights_used_total",
        ),
        (
            "update intermediate.int_quarterly_evaluation set grade = 'A' where quarter = '2025Q3' and rank = 3",
            "a_count",
        ),
    ],
    ids=["duplicate-row", "weights-not-summing-to-1", "too-many-A"],
)
def test_a_failing_gate_blocks_publication(
    built_warehouse: BuiltWarehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str], defect: str, expected: str
) -> None:
    copy = built_warehouse.copy_to(tmp_path)
    con = duckdb.connect(str(copy.warehouse))
    con.execute(defect)
    con.close()
    status = cli.main([
        "evaluate", "--quarter", QUARTER, "--publish", "--no-build",
        "--landing", str(copy.landing), "--warehouse", str(copy.warehouse),
    ])
    err = capsys.readouterr().err
    assert status == 1
    assert "GATE FAILED" in err and expected in err
    assert "nothing published" in err
    assert _rows(copy.warehouse, "select count(*) from publish.evaluation_publications") == [(0,)]


def test_dry_run_reports_the_grading_table_without_publishing(
    built_warehouse: BuiltWarehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = built_warehouse.copy_to(tmp_path)
    status = cli.main([
        "evaluate", "--quarter", QUARTER, "--no-build",
        "--landing", str(copy.landing), "--warehouse", str(copy.warehouse),
    ])
    out = capsys.readouterr().out
    assert status == 0
    graded, a, c = _rows(
        copy.warehouse,
        "select count(*) filter (where is_graded), count(*) filter (where grade = 'A'), "
        "count(*) filter (where grade = 'C') from publish.quarterly_evaluation_candidate",
    )[0]
    assert a == c == graded // 10
    assert f"{graded} graded" in out and f"A {a}  B {graded - a - c}  C {c}" in out
    assert "not published yet" in out
    assert _rows(copy.warehouse, "select count(*) from publish.evaluation_publications") == [(0,)]
