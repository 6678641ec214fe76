"""Shared fixtures: one real warehouse built once per test session from a tiny generated landing folder.

The build is the real thing: the generator writes extracts, the Dagster job ingests them and runs dbt build and
the Great Expectations checks in-process on a DuckDB file. Tests that change a warehouse work on a copy.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

TEST_SCALE = 0.02
TEST_SEED = 7


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


def build(landing: Path, warehouse: Path, job: str = "build_warehouse", **kwargs: object):  # type: ignore[no-untyped-def]
    from dagster_project.cli import execute_job

    return execute_job(job, settings_for(landing, warehouse), **kwargs)


@pytest.fixture(scope="session")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dagster_project.generator import generate

    folder = tmp_path_factory.mktemp("landing")
    generate(folder, scale=TEST_SCALE, seed=TEST_SEED)
    return folder


@pytest.fixture(scope="session")
def built_warehouse(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    warehouse = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    result = build(landing, warehouse)
    assert result.success, "the session warehouse build failed"
    materialized = frozenset(
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    )
    checks = tuple(
        (f"{e.asset_key.to_user_string()}:{e.check_name}", e.passed) for e in result.get_asset_check_evaluations()
    )
    return BuiltWarehouse(landing, warehouse, result.run_id, materialized, checks)


def table_digest(warehouse: Path, schema: str) -> dict[str, str]:
    """A content hash per table of a schema, independent of row order: equal digests = identical contents."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
            ).fetchall()
        ]
        return {
            t: con.execute(
                f'select count(*) || \':\' || coalesce(sum(hash(t)), 0) from "{schema}"."{t}" t'
            ).fetchone()[0]
            for t in tables
        }
    finally:
        con.close()


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A superuser URL of a throwaway PostgreSQL server, started once per session (tests/pg_server.py)."""
    from tests.pg_server import running_postgres

    with running_postgres(tmp_path_factory.mktemp("postgres")) as url:
        yield url
