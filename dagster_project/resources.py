"""Configured resources: the DuckDB warehouse and the dbt CLI. Nothing holds a connection between steps,
because DuckDB admits a single writer and dbt opens the file from another process (docs/pitfalls.md 7)."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging import version

from dagster_project import db
from dagster_project.bi import URL_ENV
from dagster_project.dbt_project import DBT_EXECUTABLE, dbt_project
from dagster_project.settings import Settings


class WarehouseResource(dg.ConfigurableResource):
    """Where the landing files are and where the warehouse file lives."""

    warehouse_path: str
    landing_dir: str

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path)

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection (db.connect), closed on exit so dbt can take the write lock afterwards."""
        with db.connect(self.warehouse, read_only=read_only) as con:
            yield con


class ProjectDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two start-up steps this project does not use, ≈4 s of every `spm run`
    before dbt itself starts (measured, docs/benchmarks.md).

    - The version: DbtCliResource runs `dbt --version` (a 2.7 s subprocess: dbt's imports) once per resource
      instance, i.e. once per run. The executable is this virtualenv's own dbt (DBT_EXECUTABLE, docs/pitfalls.md
      5), so the installed dbt-core's metadata is its version.
    - The adapter handle (1.7 s: dbt's adapter stack imported and the profile rendered in the Dagster process) is
      only read by `fetch_row_counts()` / `fetch_column_metadata()`, which no asset here calls; dagster-dbt
      accepts None. `tests/test_resources.py` fails if an upgrade renames either hook, so the saving cannot
      silently vanish.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


class BiDatabaseResource(dg.ConfigurableResource):
    """The PostgreSQL database the `serve_bi` and `publish_bi` jobs publish the marts to (bi/serve.py).

    Configured as `dg.EnvVar(SPM_BI_POSTGRES_URL)`: Dagster keeps the variable's name and reads its value when the
    step starts, so the URL, and a password in it, is in no run config, event log or page of the UI
    (docs/security.md; tests/test_bi_serve.py searches the instance's files for it). Jobs without the `bi` asset
    never read it: `spm run` needs no PostgreSQL."""

    url: str


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    """Resources for a settings object (the environment's by default); dbt sees the same warehouse path."""
    settings = settings or Settings.from_env()
    settings.export()
    return {
        "warehouse": WarehouseResource(
            warehouse_path=str(settings.warehouse), landing_dir=str(settings.landing_dir)
        ),
        "dbt": ProjectDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
        "bi_database": BiDatabaseResource(url=dg.EnvVar(URL_ENV)),
    }
