"""The persistent Dagster instance every `spm` run is recorded in, and `make dev` opens: one run history.

Its home is `dagster_home/` beside the warehouse (data/dagster_home by default) or SPM_DAGSTER_HOME. `make dev`
asks this module for it (`python -m dagster_project.instance` prints it), so the UI lists every `spm` run with its
logs. Importing this module does not import Dagster.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

HOME_ENV = "SPM_DAGSTER_HOME"

#: dagster.yaml written once into a new home: no telemetry (runs stay on this machine).
DAGSTER_YAML = "telemetry:\n  enabled: false\n"


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


def open_instance(warehouse: Path) -> dg.DagsterInstance:
    """The persistent instance (SQLite run, event-log and schedule storage under the home)."""
    import dagster as dg

    return dg.DagsterInstance.from_config(str(prepare_home(warehouse)))


if __name__ == "__main__":
    from dagster_project.settings import Settings

    print(prepare_home(Settings.from_env().warehouse))
