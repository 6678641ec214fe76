"""The persistent Dagster instance every `spm` run is recorded in, and `make dev` opens: one run history.

Its home is `dagster_home/` beside the warehouse (data/dagster_home by default) or SPM_DAGSTER_HOME. `make dev`
asks this module for it (`python -m dagster_project.instance` prints it), so the UI lists every `spm` run with its
logs. Importing this module does not import Dagster.

Retention: every build run adds ≈ 9 MB of event log (every dbt node and test is an event; docs/architecture.md),
so the history is bounded: when an `spm` command closes the instance, finished runs beyond the newest
SPM_DAGSTER_KEEP_RUNS (default 50; 0 keeps every run) are deleted with their events, their event-log file and their
captured logs. A run still going (another `spm` command, the daemon) is never touched. Schedule ticks are purged by
the daemon after 90 days (`retention:` in the dagster.yaml written here).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

HOME_ENV = "SPM_DAGSTER_HOME"
KEEP_RUNS_ENV = "SPM_DAGSTER_KEEP_RUNS"
#: ≈ 450 MB at most of build runs' event logs; a year of weekly runs with their evaluation and pay runs.
DEFAULT_KEEP_RUNS = 50

#: dagster.yaml written once into a new home: no telemetry (runs stay on this machine); schedule ticks purged by
#: the daemon after 90 days (runs are pruned by prune_runs, which Dagster's `retention:` does not cover).
DAGSTER_YAML = "telemetry:\n  enabled: false\nretention:\n  schedule:\n    purge_after_days: 90\n"


def dagster_home(warehouse: Path) -> Path:
    """SPM_DAGSTER_HOME, else dagster_home/ beside the warehouse (it moves with the warehouse's folder)."""
    configured = os.environ.get(HOME_ENV)
    return Path(configured).resolve() if configured else warehouse.resolve().parent / "dagster_home"


def prepare_home(warehouse: Path) -> Path:
    """Create the home and its dagster.yaml if missing (an existing dagster.yaml is the operator's: kept)."""
    home = dagster_home(warehouse)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def keep_runs() -> int:
    """SPM_DAGSTER_KEEP_RUNS: how many of the newest runs the instance keeps (0: all). A value that is not a whole
    number keeps every run, with a warning: the other reading of a typo would be deleting history."""
    raw = os.environ.get(KEEP_RUNS_ENV, "").strip()
    if not raw:
        return DEFAULT_KEEP_RUNS
    if not raw.isdigit():
        logging.getLogger("spm").warning(
            "%s=%r is not a whole number of runs to keep: no run is pruned", KEEP_RUNS_ENV, raw)
        return 0
    return int(raw)


def prune_runs(instance: dg.DagsterInstance, keep: int) -> list[str]:
    """Delete every finished run older than the newest `keep` (0: none) with its events, its SQLite event-log file
    and its captured stdout/stderr; returns the deleted run ids. Runs not finished are kept whatever their age."""
    import dagster as dg

    if keep <= 0:
        return []
    finished = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
    old = [r.dagster_run for r in instance.get_run_records()[keep:] if r.dagster_run.status in finished]
    storage = instance.event_log_storage
    for run in old:
        instance.delete_run(run.run_id)  # the run, its events and its asset-event index rows
        shard = getattr(storage, "path_for_shard", None)  # SQLite keeps one file per run: emptied, not removed
        if shard is not None:
            Path(shard(run.run_id)).unlink(missing_ok=True)
        instance.compute_log_manager.delete_logs(prefix=[run.run_id])
    return [run.run_id for run in old]


@contextmanager
def open_instance(warehouse: Path) -> Iterator[dg.DagsterInstance]:
    """The persistent instance (SQLite run, event-log and schedule storage under the home); on the way out the
    runs beyond SPM_DAGSTER_KEEP_RUNS are pruned (the run just made is the newest, so it stays)."""
    import dagster as dg

    keep = keep_runs()
    with dg.DagsterInstance.from_config(str(prepare_home(warehouse))) as instance:
        yield instance
        prune_runs(instance, keep)


def step_seconds(warehouse: Path, run_id: str) -> dict[str, float]:
    """Wall seconds of each step of a finished run, from its start and end events (the summary's time line)."""
    import dagster as dg

    ends = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    with open_instance(warehouse) as instance:
        for entry in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START, *ends}):
            if entry.step_key is None:
                continue
            if entry.dagster_event_type == dg.DagsterEventType.STEP_START:
                started[entry.step_key] = entry.timestamp
            elif entry.step_key in started:
                seconds[entry.step_key] = entry.timestamp - started[entry.step_key]
    return seconds


if __name__ == "__main__":
    from dagster_project.settings import Settings

    print(prepare_home(Settings.from_env().warehouse))
