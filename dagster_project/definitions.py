"""The one Dagster `Definitions` of the warehouse: `dagster dev` (workspace.yaml) and `spm run` load this."""

from __future__ import annotations

import dagster as dg

from dagster_project.assets.dbt import warehouse_dbt_assets
from dagster_project.assets.evaluation import (
    grading_gates,
    published_quarterly_evaluation,
    quarterly_evaluation_candidate,
)
from dagster_project.assets.ingest import ingest_assets
from dagster_project.checks.assets import gx_checks
from dagster_project.jobs import (
    build_warehouse_job,
    ingest_job,
    monthly_build_schedule,
    publish_quarterly_evaluation_job,
    quarterly_evaluation_job,
    quarterly_evaluation_schedule,
)
from dagster_project.resources import build_resources

defs = dg.Definitions(
    assets=[*ingest_assets, warehouse_dbt_assets, quarterly_evaluation_candidate, published_quarterly_evaluation],
    asset_checks=[*gx_checks, *grading_gates],
    jobs=[build_warehouse_job, ingest_job, quarterly_evaluation_job, publish_quarterly_evaluation_job],
    schedules=[monthly_build_schedule, quarterly_evaluation_schedule],
    resources=build_resources(),
)
