"""The persistent instance's retention (dagster_project/instance.py): runs beyond SPM_DAGSTER_KEEP_RUNS are deleted
with their files when an `spm` command closes the instance, the newest and the unfinished ones never.

Real Dagster on a real SQLite instance home in a temp folder; the job is a one-asset job, because what is pruned
(run rows, event logs, per-run event-log files, captured logs) does not depend on what the run built.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import dagster as dg
import pytest

from dagster_project import instance as spm_instance


@dg.asset
def tiny() -> int:
    print("captured stdout of the step")  # so the run has captured logs to delete
    return 1


TINY_JOB = dg.Definitions(assets=[tiny], jobs=[dg.define_asset_job("tiny_job")]).resolve_job_def("tiny_job")


def _run_once(warehouse: Path) -> str:
    with spm_instance.open_instance(warehouse) as instance:
        return TINY_JOB.execute_in_process(instance=instance).run_id


def _run_ids(warehouse: Path) -> list[str]:
    """Run ids on the instance, oldest first."""
    with dg.DagsterInstance.from_config(str(spm_instance.dagster_home(warehouse))) as instance:
        return [r.run_id for r in reversed(instance.get_runs())]


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(spm_instance.HOME_ENV, raising=False)
    return tmp_path / "warehouse.duckdb"


def test_runs_beyond_the_newest_n_are_deleted_with_their_files(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(spm_instance.KEEP_RUNS_ENV, "3")
    home = warehouse.parent / "dagster_home"
    made, index_sizes = [], []
    for _ in range(5):
        made.append(_run_once(warehouse))
        assert _run_ids(warehouse) == made[-3:]  # after every command: the newest three, the one just made included
        index_sizes.append((home / "history" / "runs" / "index.db").stat().st_size)
    assert index_sizes[-1] <= index_sizes[2] + 2 * 4096, index_sizes  # freed pages reused: the index stops growing
    for run_id in made[:2]:
        assert not (home / "history" / "runs" / f"{run_id}.db").exists()
        assert not (home / "storage" / run_id).exists()
    for run_id in made[2:]:
        assert (home / "history" / "runs" / f"{run_id}.db").is_file()
        assert (home / "storage" / run_id).is_dir()  # its captured stdout
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_records_for_run(made[0]).records == []
        assert len(instance.get_records_for_run(made[-1]).records) > 5
        latest = instance.get_latest_materialization_event(dg.AssetKey("tiny"))
        assert latest is not None and latest.run_id == made[-1]


def test_a_run_not_finished_is_kept_whatever_its_age(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(spm_instance.KEEP_RUNS_ENV, "1")
    going = str(uuid.uuid4())
    with spm_instance.open_instance(warehouse) as instance:  # another `spm` command's run, still started
        instance.add_run(dg.DagsterRun(job_name="tiny_job", run_id=going, status=dg.DagsterRunStatus.STARTED))
    first = _run_once(warehouse)
    last = _run_once(warehouse)
    assert _run_ids(warehouse) == [going, last]
    assert first not in _run_ids(warehouse)


@pytest.mark.parametrize(("value", "kept"), [("0", 4), ("", 4), ("ten", 4)])
def test_zero_a_default_above_the_runs_or_a_typo_prune_nothing(
    value: str, kept: int, warehouse: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(spm_instance.KEEP_RUNS_ENV, value)
    with caplog.at_level(logging.WARNING, logger="spm"):
        for _ in range(kept):
            _run_once(warehouse)
    assert len(_run_ids(warehouse)) == kept
    assert spm_instance.DEFAULT_KEEP_RUNS == 50
    warned = [r.getMessage() for r in caplog.records if "SPM_DAGSTER_KEEP_RUNS" in r.getMessage()]
    assert warned == (["SPM_DAGSTER_KEEP_RUNS='ten' is not a whole number of runs to keep: no run is pruned"] * kept
                      if value == "ten" else [])


def test_the_written_dagster_yaml_turns_telemetry_off_and_purges_schedule_ticks(warehouse: Path) -> None:
    with spm_instance.open_instance(warehouse) as instance:
        settings = instance.get_settings("retention")
        assert instance.get_settings("telemetry") == {"enabled": False}
    assert settings == {"schedule": {"purge_after_days": 90}}
    config = warehouse.parent / "dagster_home" / "dagster.yaml"
    config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")  # the operator's own: never rewritten
    _run_once(warehouse)
    assert config.read_text(encoding="utf-8") == "telemetry:\n  enabled: false\n"
