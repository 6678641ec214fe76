"""Great Expectations suites as Dagster asset checks on published marts.

Each suite in `expectations/<model>.json` guards the model of the same name. Blocking checks stop every
downstream asset of the run (nothing is published past a failing gate). The DataFrame is read with a
read-only DuckDB connection that is closed before validating (PITFALLS 3 and 7).
"""

from __future__ import annotations

import dagster as dg

from dagster_project.resources import WarehouseResource
from dagster_project.settings import EXPECTATIONS_DIR

#: model -> schema of the guarded tables; a suite file must exist for each.
GUARDED_MODELS: dict[str, str] = {
    "mart_rep_monthly_kpis": "marts",
}


def _build_gx_check(model: str, schema: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([schema, model]),
        name=f"gx_{model}",
        blocking=True,
        description=f"Great Expectations suite expectations/{model}.json on {schema}.{model}.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        from dagster_project.checks import gx_suites  # GX imports in ~4 s: only when a check runs

        outcome = gx_suites.validate_table(warehouse.warehouse, f"{schema}.{model}", model)
        return gx_suites.asset_check_result(outcome)

    return _check


gx_checks = [_build_gx_check(model, schema) for model, schema in GUARDED_MODELS.items()]
missing_suites = [m for m in GUARDED_MODELS if not (EXPECTATIONS_DIR / f"{m}.json").exists()]
if missing_suites:
    raise FileNotFoundError(f"no Great Expectations suite for {missing_suites} in {EXPECTATIONS_DIR}")
