"""Shared fixtures: one real warehouse built once per test session from a tiny generated landing folder.

The build is the real thing: the generator writes extracts, the Dagster job ingests them and runs dbt build and
the Great Expectations checks in-process on a DuckDB file. Tests that change a warehouse work on a copy.

Once per session, not once per worker: under `make test`'s workers (pytest-xdist) the first worker that needs the
landing folder or the warehouse makes it in the session's shared temporary folder, holding a file lock; the others
wait for it and take it from there (`_made_once`). Each worker then works on a copy of the built folder of its own
(warehouse file, dashboard, run log and Dagster instance), so no two workers ever open one DuckDB file or one
instance. A build is about 45 s of both cores; the second worker's build of the same files was pure repetition.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

if TYPE_CHECKING:
    import dagster as dg

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

TEST_SCALE = 0.02
TEST_SEED = 7


#: The test files that take longest, longest first (docs/development.md has the timings). `make test` hands whole
#: files to its two workers in collection order (`--dist loadfile`), each worker taking the next file when it is
#: done; started last, a long file leaves the other worker idle until it ends. So these go first and the short
#: files fill in behind them (longest-first scheduling); the order of the tests inside a file is kept.
SLOWEST_FIRST = (
    "tests/test_engines_spark.py",  # the Spark lane: the longest single test
    "tests/test_nothing_new.py",  # four builds of its own
    "tests/test_incremental.py",  # four (one test: it brings the next file along, so a file of several follows)
    "tests/test_bi_serve.py",  # two builds (`spm serve-bi` on a good and a broken landing)
    "tests/test_foreign_data.py",  # two builds of other landings
    "tests/test_engines.py",  # the PostgreSQL lane (`dbt build` with every test; one test, see above)
    "tests/test_byod.py",  # a build of a Fivetran-landed org
    "tests/test_pipeline.py",  # dbt unit tests and a constraint run, no build of its own
    "tests/test_as_of.py",  # one more build
    "tests/security/test_publication.py",
    "tests/test_evaluation.py",
    "tests/test_chinese_export.py",
    "tests/test_source_supply.py",
    "tests/test_history_edges.py",
    "tests/test_run_failures.py",
    "tests/test_pay_gx_suites.py",
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # type: ignore[no-untyped-def]
    """`--dist loadfile` that hands a worker its next file only when the worker is down to its last test.

    xdist's own threshold is two pending tests, and a worker holds the next test before it runs the current one: a
    worker given the Spark lane (two tests, the first one ≈ 10 minutes) at once took the next file of the queue too,
    and that file then waited behind the lane while the other worker went idle at the end. One pending test is the
    least a worker needs to keep running (it cannot start its last test before it knows what comes next), so no file
    waits behind a long test on one worker while the other could take it. A one-test file still brings one more file
    along, hence SLOWEST_FIRST puts a file of several tests after each of those.
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    # xdist's default (`--loadscope-reorder`) queues the files by their number of tests, most first, whatever the
    # collection order: SLOWEST_FIRST had no effect, and the two longest items (test_incremental, one test; the
    # Spark lane, then in the three-test test_engines.py) were handed out last. The collection order it is.
    config.option.loadscopereorder = False

    class NextFileOnlyWhenNeeded(LoadFileScheduling):
        def _reschedule(self, node) -> None:  # type: ignore[no-untyped-def]
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            if self._pending_of(self.assigned_work[node]) > 1:
                return
            self._assign_work_unit(node)

    return NextFileOnlyWhenNeeded(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the files of SLOWEST_FIRST first, in that order; every other file keeps its place after them."""
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    position = {id(item): i for i, item in enumerate(items)}

    def key(item: pytest.Item) -> tuple[int, int]:
        path = item.nodeid.split("::", 1)[0]
        return rank.get(path, len(rank)), position[id(item)]

    items.sort(key=key)


@dataclass
class BuiltWarehouse:
    landing: Path
    warehouse: Path
    run_id: str
    materialized: frozenset[str] = frozenset()
    checks: tuple[tuple[str, bool], ...] = ()

    def copy_to(self, folder: Path) -> BuiltWarehouse:
        """A private copy (same landing folder) for a test that writes to the warehouse."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "warehouse.duckdb"
        shutil.copyfile(self.warehouse, target)
        return BuiltWarehouse(self.landing, target, self.run_id, self.materialized, self.checks)


def settings_for(landing: Path, warehouse: Path, as_of: str | None = None):  # type: ignore[no-untyped-def]
    from dagster_project.settings import DEFAULT_TIMEZONE, Settings

    return Settings(landing_dir=landing, warehouse=warehouse, as_of=as_of, timezone=DEFAULT_TIMEZONE)


def build(  # type: ignore[no-untyped-def]
    landing: Path,
    warehouse: Path,
    job: dg.UnresolvedAssetJobDefinition | None = None,
    as_of: str | None = None,
    **kwargs: object,
):
    """Run `job` (a handle from dagster_project.jobs; default build_warehouse) as `spm` does, in process."""
    from dagster_project.cli import execute_job
    from dagster_project.jobs import build_warehouse_job

    return execute_job(job or build_warehouse_job, settings_for(landing, warehouse, as_of), **kwargs)


@contextlib.contextmanager
def _made_once(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """(folder, made): the session's shared folder `name`, and whether it is already made. The caller makes it when
    it is not, inside this block: the block holds an exclusive lock, so the workers of one session wait for the
    first one instead of making the same thing again; it is marked made only when the block ends without an error
    (a failed build is retried by the next worker, and fails there too, in its own test)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # the session's folder under xdist
    folder, done = root / f"shared-{name}", root / f"shared-{name}.done"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
                folder.mkdir()
            yield folder, done.exists()
            done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated landing folder, one per session (shared by the workers: no test writes into it)."""
    from dagster_project.generator import generate

    with _made_once(tmp_path_factory, "landing") as (folder, made):
        if not made:
            generate(folder, scale=TEST_SCALE, seed=TEST_SEED)
    return folder


@pytest.fixture(scope="session")
def built_warehouse(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    """The session warehouse: built once per session, and copied into a folder of this worker's own."""
    with _made_once(tmp_path_factory, "warehouse") as (folder, made):
        if not made:
            result = build(landing, folder / "warehouse.duckdb")
            assert result.success, "the session warehouse build failed"
            (folder / "build.json").write_text(json.dumps({
                "run_id": result.run_id,
                "materialized": sorted(
                    event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
                ),
                "checks": [
                    [f"{e.asset_key.to_user_string()}:{e.check_name}", e.passed]
                    for e in result.get_asset_check_evaluations()
                ],
            }))
        own = tmp_path_factory.mktemp("warehouse")
        shutil.copytree(folder, own, dirs_exist_ok=True)  # copy2: the run record's stat of the file still holds
    built = json.loads((own / "build.json").read_text())
    return BuiltWarehouse(
        landing, own / "warehouse.duckdb", built["run_id"], frozenset(built["materialized"]),
        tuple((name, passed) for name, passed in built["checks"]),
    )


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh DuckDB file of the test's own, for ingest tests that load into `raw` without a build."""
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield c
    c.close()


@pytest.fixture(scope="module")
def month(built_warehouse: BuiltWarehouse) -> str:
    """The session warehouse's as-of month (YYYY-MM): the month the dashboard tests render."""
    con = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    try:
        return f"{con.execute('select as_of_date from marts.mart_data_freshness').fetchone()[0]:%Y-%m}"
    finally:
        con.close()


def table_digest(warehouse: Path, schema: str) -> dict[str, str]:
    """A content hash per table of a schema, independent of row order: equal digests = identical contents
    (db.content_digests, every column counted), keyed by the bare table name."""
    from dagster_project.db import connect, content_digests

    with connect(warehouse) as con:
        return {name.split(".", 1)[1]: digest for name, digest in content_digests(con, [schema]).items()}


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A superuser URL of a throwaway PostgreSQL server, started once per session (tests/pg_server.py)."""
    from tests.pg_server import running_postgres

    with running_postgres(tmp_path_factory.mktemp("postgres")) as url:
        yield url


AS_OF = "2025-10-31"
"""An explicit cut-off two months before the generated data ends (2025-12-31), as `SPM_AS_OF` sets it."""


@pytest.fixture(scope="session")
def built_warehouse_as_of(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    """The same landing folder built once more with an explicit as-of date (reproducing a past run)."""
    warehouse = tmp_path_factory.mktemp("warehouse_as_of") / "warehouse.duckdb"
    result = build(landing, warehouse, as_of=AS_OF)
    failures = [e.event_specific_data.error.message[:2000] for e in result.all_events if e.is_step_failure]
    assert result.success, failures
    return BuiltWarehouse(landing, warehouse, result.run_id)
