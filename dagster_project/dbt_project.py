"""The dbt project handle, kept in its own module so tools can prepare it (docs/pitfalls.md 4).

dagster-dbt needs `target/manifest.json` at import time, and a manifest older than the project makes dbt events
refer to nodes Dagster does not know. `DbtProject.prepare_if_dev()` only parses under `dagster dev`, so here we
also parse (once, ~5-10 s) whenever the manifest is missing or older than any file of the dbt project.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.settings import DBT_PROJECT_DIR

DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
_PROJECT_INPUTS = ("models", "macros", "seeds", "tests", "snapshots", "dbt_project.yml", "profiles.yml")


def manifest_is_stale(project: DbtProject) -> bool:
    """True when the manifest is missing or some project file changed after it was written."""
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    written = manifest.stat().st_mtime
    for name in _PROJECT_INPUTS:
        path = project.project_dir / name
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        if any(f.is_file() and f.stat().st_mtime > written for f in files):
            return True
    return False


def parse_project(project: DbtProject) -> None:
    """`dbt parse` with this interpreter's dbt: the default preparer looks for `dbt` on PATH (docs/pitfalls.md 5)."""
    result = subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet", "--profiles-dir", str(project.profiles_dir)],
        cwd=project.project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed in {project.project_dir}:\n{result.stdout}{result.stderr}")


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
if manifest_is_stale(dbt_project):
    parse_project(dbt_project)
