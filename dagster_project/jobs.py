"""Jobs and schedules. Runs execute in one process: DuckDB admits one writer at a time (PITFALLS 7)."""

from __future__ import annotations

import dagster as dg

build_warehouse_job = dg.define_asset_job(
    name="build_warehouse",
    selection=dg.AssetSelection.groups("ingest", "config", "staging", "intermediate", "marts"),
    description="Ingest every landing extract, build all dbt models and tests, run the quality gates.",
    executor_def=dg.in_process_executor,
)

ingest_job = dg.define_asset_job(
    name="ingest_extracts",
    selection=dg.AssetSelection.groups("ingest"),
    description="Only load the landing files into raw (lineage, quarantine); no dbt.",
    executor_def=dg.in_process_executor,
)

monthly_build_schedule = dg.ScheduleDefinition(
    name="monthly_build",
    job=build_warehouse_job,
    cron_schedule="0 6 2 * *",
    execution_timezone="Asia/Shanghai",
    description="Rebuild after the month-end extracts land (2nd of each month, 06:00 company time).",
)
