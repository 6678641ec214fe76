"""The dbt project handle, kept in its own module so tools can prepare it (PITFALLS 4).

dagster-dbt needs `target/manifest.json` at import time. `DbtProject.prepare_if_dev()` only parses under
`dagster dev`, so on a fresh clone (tests, `spm run`, CI) we parse once here when the manifest is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.settings import DBT_PROJECT_DIR

DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    dbt_project.preparer.prepare(dbt_project)
