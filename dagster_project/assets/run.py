"""What makes a build of the warehouse one run, in the job itself: `spm run`, `make dev` and the `monthly_build`
schedule execute the same `build_warehouse` job and get the same run.

- `run/nothing_new` comes first: it asks the nothing-new rule (run_gate.decide, the function `spm run` asks before
  importing Dagster) and, when nothing changed since the last successful run, says so in the run's log and yields
  no output, so every ingest asset, the dbt build and everything after them are skipped. Otherwise it deletes the
  record (until this build succeeds the warehouse is not known to be current) and hands the state to the end.
- `dashboard/monthly` writes the as-of month's dashboard after every mart and its blocking checks.
- `dashboard/notify` follows the dashboard: with SPM_NOTIFY_WEBHOOK set and no blocking check of the run failed,
  it posts the month's headline and the dashboard's location to the team's chat (notify.py); off by default, and a
  failed post is logged, never a failed run.
- `run/record` comes last, after every asset of the build and their blocking checks: it writes the record that lets
  the next run skip, only when no check of this run failed.
"""

import dataclasses
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from dagster_project import db, run_gate, run_state
from dagster_project.assets.dbt import warehouse_dbt_assets
from dagster_project.assets.ingest import GATE_KEY, ingest_assets
from dagster_project.dashboard import DashboardError, default_out, write_dashboard
from dagster_project.notify import notify_run
from dagster_project.progress import report
from dagster_project.resources import WarehouseResource
from dagster_project.settings import Settings

DASHBOARD_KEY = dg.AssetKey(["dashboard", "monthly"])
NOTIFY_KEY = dg.AssetKey(["dashboard", "notify"])
RECORD_KEY = dg.AssetKey(["run", "record"])
MART_KEYS = sorted((k for k in warehouse_dbt_assets.keys if k.path[0] == "marts"), key=lambda k: k.path)


class GateConfig(dg.Config):
    """Why the build is forced whatever the rule says ("forced (--force)", "full refresh"); empty: the rule decides."""

    forced: str = ""


@dataclass(frozen=True)
class PendingRun:
    """What the gate hands to the record: the state the build started from and when it started."""

    state: run_state.RunState
    started: float


def _settings(warehouse: WarehouseResource) -> Settings:
    """The environment's settings with the resource's paths (the warehouse and landing folder this run uses)."""
    return dataclasses.replace(Settings.from_env(), landing_dir=warehouse.landing, warehouse=warehouse.warehouse)


@dg.asset(
    key=GATE_KEY,
    group_name="run",
    output_required=False,
    description="The nothing-new rule (dagster_project/run_gate.py): when no landing file, build input, setting "
    "or the warehouse changed since the last successful run, the run says so and builds nothing.",
)
def run__nothing_new(
    context: AssetExecutionContext, config: GateConfig, warehouse: WarehouseResource
) -> Iterator[dg.Output[PendingRun]]:
    settings = _settings(warehouse)
    decision = run_gate.decide(settings, config.forced)
    if not decision.build:
        context.log.info(decision.render_unchanged(settings.warehouse))
        return
    context.log.info(f"building: {decision.why}")
    run_state.forget(settings.warehouse)
    yield dg.Output(PendingRun(decision.state, time.time()), metadata={"why": decision.why})


@dg.asset(
    key=DASHBOARD_KEY,
    deps=MART_KEYS,
    group_name="dashboard",
    kinds={"html"},
    description="The as-of month's dashboard (dashboard/<month>/ beside the warehouse), after every mart.",
)
def dashboard__monthly(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    try:
        with db.connect(warehouse.warehouse) as con:
            as_of = con.execute("select as_of_date from marts.mart_data_freshness").fetchone()[0]
        month = f"{as_of:%Y-%m}"
        index = write_dashboard(warehouse.warehouse, month)
    except (DashboardError, duckdb.Error) as error:
        # As before the redesign: a dashboard that cannot be drawn does not fail the build; it is said, not hidden.
        context.log.error(f"dashboard not written: {error}")
        return dg.MaterializeResult(metadata={"not_written": str(error)})
    report(context, f"dashboard: {index.resolve()}")
    return dg.MaterializeResult(metadata={"month": month, "index": str(index.resolve())})


def _failed_checks(context: AssetExecutionContext) -> list[str]:
    """This run's failed checks of severity ERROR so far (every one of the build's, the record coming last)."""
    records = context.instance.get_records_for_run(
        context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    failed = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed and evaluation.severity != dg.AssetCheckSeverity.WARN:
            failed.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    return failed


@dg.asset(
    key=NOTIFY_KEY,
    deps=[DASHBOARD_KEY],
    group_name="dashboard",
    description="The month's headline and the dashboard's location posted to the team's DingTalk, WeCom or Lark "
    "group (docs/notify.md): only with SPM_NOTIFY_WEBHOOK set; a failed post is logged and never fails the run.",
)
def dashboard__notify(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    if not os.environ.get("SPM_NOTIFY_WEBHOOK", "").strip():
        return dg.MaterializeResult(metadata={"posted": False, "why": "SPM_NOTIFY_WEBHOOK is not set"})
    why_not = ""
    failed = _failed_checks(context)
    if failed:
        why_not = f"{len(failed)} blocking check(s) failed: the figures are not posted"
    else:
        try:
            with db.connect(warehouse.warehouse, read_only=True) as con:
                as_of = con.execute("select as_of_date from marts.mart_data_freshness").fetchone()[0]
        except (duckdb.Error, TypeError, OSError, db.NotAWarehouseError) as error:  # TypeError: no freshness row
            why_not = f"no as-of date to post ({type(error).__name__})"
        else:
            month = f"{as_of:%Y-%m}"
            index = default_out(warehouse.warehouse, month) / "index.html"
            if not index.is_file():
                why_not = f"no dashboard for {month}"
    if why_not:
        context.log.warning(f"chat notification not sent: {why_not}")
        return dg.MaterializeResult(metadata={"posted": False, "why": why_not})
    try:
        posted = notify_run(warehouse.warehouse, month, index)
    except Exception as error:  # never fail the run for a chat message (notify_run itself raises nothing)
        context.log.warning(f"chat notification failed: {type(error).__name__}")
        posted = False
    if not posted:
        context.log.warning("chat notification not posted (see the spm.notify log line for why)")
    return dg.MaterializeResult(metadata={"posted": posted, "month": month})


@dg.asset(
    key=RECORD_KEY,
    ins={"pending": dg.AssetIn(GATE_KEY)},
    deps=sorted({*warehouse_dbt_assets.keys, *(a.key for a in ingest_assets), DASHBOARD_KEY}, key=lambda k: k.path),
    group_name="run",
    description="The record of this successful run (<warehouse>.last_run.json): what the next run compares with.",
)
def run__record(
    context: AssetExecutionContext, pending: PendingRun, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    failed = _failed_checks(context)
    if failed:
        context.log.warning(f"not recorded: {len(failed)} check(s) failed, the next run builds again")
        return dg.MaterializeResult(metadata={"recorded": False})
    path = run_state.write_record(warehouse.warehouse, pending.state, time.time() - pending.started)
    return dg.MaterializeResult(metadata={"recorded": True, "record": str(path)})


run_assets = [run__nothing_new, dashboard__monthly, dashboard__notify, run__record]
