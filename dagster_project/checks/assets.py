"""Great Expectations suites as Dagster asset checks on published marts.

Each suite in `expectations/<model>.json` guards the model of the same name. Blocking checks stop every
downstream asset of the run (nothing is published past a failing gate). The DataFrame is read with a
read-only DuckDB connection that is closed before validating (docs/pitfalls.md 3 and 7).
"""

from __future__ import annotations

import dagster as dg

from dagster_project.checks.gx_suites import asset_check_result, suite_path, validate_table
from dagster_project.resources import WarehouseResource

#: model -> schema of the marts guarded after every build; a suite file must exist for each.
GUARDED_MODELS: dict[str, str] = {
    "mart_rep_monthly_kpis": "marts",
}


def build_gx_check(asset: dg.AssetKey, table: str, suite: str) -> dg.AssetChecksDefinition:
    """A blocking check `gx_<suite>` on `asset` that validates `table` with expectations/<suite>.json."""
    if not suite_path(suite).is_file():
        raise FileNotFoundError(f"no Great Expectations suite {suite_path(suite)}")

    @dg.asset_check(
        asset=asset,
        name=f"gx_{suite}",
        blocking=True,
        description=f"Great Expectations suite expectations/{suite}.json on {table}.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        return asset_check_result(validate_table(warehouse.warehouse, table, suite))

    return _check


gx_checks = [
    build_gx_check(dg.AssetKey([schema, model]), f"{schema}.{model}", model) for model, schema in GUARDED_MODELS.items()
]
