"""Jobs and schedules. Runs execute in one process: DuckDB admits one writer at a time (docs/pitfalls.md 7)."""

import dagster as dg

from dagster_project.assets.publication import evaluation, pay
from dagster_project.partitions import monthly_partitions, quarterly_partitions
from dagster_project.settings import company_timezone

build_warehouse_job = dg.define_asset_job(
    name="build_warehouse",
    selection=dg.AssetSelection.groups("run", "ingest", "config", "staging", "intermediate", "marts", "dashboard"),
    description="The run `spm run` and the monthly schedule launch: unless nothing changed since the last "
    "successful run, ingest every landing extract, build all dbt models and tests, run the quality gates, write "
    "the dashboard and record the run (assets/run.py).",
    executor_def=dg.in_process_executor,
)

ingest_job = dg.define_asset_job(
    name="ingest_extracts",
    selection=dg.AssetSelection.groups("ingest"),
    description="Only load the landing files into raw (lineage, quarantine); no dbt.",
    executor_def=dg.in_process_executor,
)

quarterly_evaluation_job = dg.define_asset_job(
    name="quarterly_evaluation",
    selection=dg.AssetSelection.assets(evaluation.candidate_key),
    partitions_def=quarterly_partitions,
    description="Stage a quarter's grading table and run its quality gates (a dry run: nothing is published).",
    executor_def=dg.in_process_executor,
)

publish_quarterly_evaluation_job = dg.define_asset_job(
    name="publish_quarterly_evaluation",
    selection=dg.AssetSelection.assets(evaluation.candidate_key, evaluation.published_key),
    partitions_def=quarterly_partitions,
    description="Stage, gate and publish a quarter's grading table as a frozen version (blocked by failing gates).",
    executor_def=dg.in_process_executor,
)

pay_statements_job = dg.define_asset_job(
    name="pay_statements",
    selection=dg.AssetSelection.assets(pay.candidate_key),
    partitions_def=monthly_partitions,
    description="Stage a month's pay statements and run their quality gates (a dry run: nothing is published).",
    executor_def=dg.in_process_executor,
)

publish_pay_statements_job = dg.define_asset_job(
    name="publish_pay_statements",
    selection=dg.AssetSelection.assets(pay.candidate_key, pay.published_key),
    partitions_def=monthly_partitions,
    description="Stage, gate and publish a month's pay statements and their lineage as a frozen version.",
    executor_def=dg.in_process_executor,
)

serve_bi_job = dg.define_asset_job(
    name="serve_bi",
    selection=dg.AssetSelection.groups(
        "run", "ingest", "config", "staging", "intermediate", "marts", "dashboard", "bi"
    ),
    description="`spm serve-bi`: the build of `build_warehouse` (the same nothing-new gate, dashboard and record), "
    "then publish the marts to PostgreSQL for BI (SPM_BI_POSTGRES_URL) when the build and the blocking checks "
    "passed. When nothing changed the build and the publication are skipped: `publish_bi` publishes as it is.",
    executor_def=dg.in_process_executor,
)

publish_bi_job = dg.define_asset_job(
    name="publish_bi",
    selection=dg.AssetSelection.groups("bi"),
    description="`spm serve-bi --no-build`, and `spm serve-bi` when nothing changed: publish the warehouse's marts "
    "as they are to PostgreSQL for BI (SPM_BI_POSTGRES_URL); no ingest, no dbt.",
    executor_def=dg.in_process_executor,
)

monthly_build_schedule = dg.ScheduleDefinition(
    name="monthly_build",
    job=build_warehouse_job,
    cron_schedule="0 6 2 * *",
    execution_timezone=company_timezone(),
    description="Rebuild after the month-end extracts land (2nd of each month, 06:00 company time): the same job "
    "and config as `spm run`, so it skips when nothing changed and writes the dashboard.",
)

quarterly_evaluation_schedule = dg.build_schedule_from_partitioned_job(
    quarterly_evaluation_job,
    description="Dry-run the quarter that just ended (publishing stays a decision: spm evaluate --publish).",
)

ALL_JOBS = [
    build_warehouse_job, ingest_job, quarterly_evaluation_job, publish_quarterly_evaluation_job,
    pay_statements_job, publish_pay_statements_job,
    serve_bi_job, publish_bi_job,
]
