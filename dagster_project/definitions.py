"""The one Dagster `Definitions` of the warehouse: `dagster dev` (workspace.yaml) and `spm run` load this."""

import dagster as dg

from dagster_project.assets.bi import bi__postgres_marts
from dagster_project.assets.dbt import warehouse_dbt_assets
from dagster_project.assets.ingest import ingest_assets
from dagster_project.assets.publication import publication_assets, publication_gates
from dagster_project.assets.run import run_assets
from dagster_project.checks.assets import gx_checks
from dagster_project.jobs import ALL_JOBS, monthly_build_schedule, quarterly_evaluation_schedule
from dagster_project.resources import build_resources

defs = dg.Definitions(
    assets=[*ingest_assets, warehouse_dbt_assets, *publication_assets, bi__postgres_marts, *run_assets],
    asset_checks=[*gx_checks, *publication_gates],
    jobs=ALL_JOBS,
    schedules=[monthly_build_schedule, quarterly_evaluation_schedule],
    resources=build_resources(),
)
