"""Configured resources: the DuckDB warehouse and the dbt CLI. Nothing holds a connection between steps,
because DuckDB admits a single writer and dbt opens the file from another process (docs/pitfalls.md 7)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from dagster_project import db
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


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    """Resources for a settings object (the environment's by default); dbt sees the same warehouse path."""
    settings = settings or Settings.from_env()
    settings.export()
    return {
        "warehouse": WarehouseResource(
            warehouse_path=str(settings.warehouse), landing_dir=str(settings.landing_dir)
        ),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
