"""The dbt project as Dagster assets: one `dbt build` per run, so dbt tests arrive as asset checks."""


import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project.checks import gx_suites
from dagster_project.dbt_project import dbt_project
from dagster_project.ingest.usable import missing_required_message, no_usable_rows_message
from dagster_project.progress import report
from dagster_project.resources import WarehouseResource
from dagster_project.run_state import write_atomically


class WarehouseTranslator(DagsterDbtTranslator):
    """Keys and groups that read like the warehouse: `raw/<system>__<entity>` for sources (the ingest assets),
    `<schema>/<model>` for models, and the dbt folder (staging, intermediate, marts) as the group. A source that
    names its asset in `meta: {dagster: {asset_key: [...]}}` (the publications, written by the publish assets)
    keeps that key, so the graph draws publish -> the models that read it."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source" and source_asset_key(dbt_resource_props) is not None:
            return super().get_asset_key(dbt_resource_props)
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", f"{dbt_resource_props['source_name']}__{dbt_resource_props['name']}"])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "config"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


def source_asset_key(dbt_resource_props: Mapping[str, Any]) -> list[str] | None:
    """The asset key a source declares for itself (meta.dagster.asset_key), if any."""
    meta = dbt_resource_props.get("meta") or dbt_resource_props.get("config", {}).get("meta") or {}
    return (meta.get("dagster") or {}).get("asset_key")


# Several publication tables (versions, publications) are written by one publish asset: their sources share its key.
translator = WarehouseTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
)


def dbt_build_args(
    select: str | None = None, dbt_vars: Mapping[str, str] | None = None, full_refresh: bool = False
) -> list[str]:
    """The dbt command of a run; a pure function so it is unit-tested without running dbt.

    The as-of date and time zone reach dbt through the environment (SPM_AS_OF, SPM_TIMEZONE) read in
    dbt_project.yml, so only period-specific runs pass --vars. dbt unit tests check the SQL, not the data: they
    run in CI (`make test`), not in every production build, where they would cost ~40% of the dbt time.
    No dbt.log is written (`--log-level-file none`): dagster-dbt gives each run a target folder of its own, removed
    when the run ends (clean_run_targets), so the file was never read, and writing it at dbt's default debug level
    cost ~11 % of dbt's time on an empty build (docs/development.md, third round). dbt's info-level output is still
    in the run log (logs/<job>.log, every line on screen with -v).
    `full_refresh` is dbt's --full-refresh: the month-incremental large facts are rebuilt from every raw row.
    """
    args = ["build", "--exclude-resource-type", "unit_test", "--log-level-file", "none"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    if dbt_vars:
        args += ["--vars", json.dumps(dict(sorted(dbt_vars.items())))]
    return args


class DbtBuildConfig(dg.Config):
    """Run config of the dbt step. The large facts are month-incremental (dbt/macros/incremental.sql); a full
    refresh (`spm run --full-refresh`) is needed after changing the source configuration's picklist maps or the
    time zone, which change old months without delivering a new row."""

    full_refresh: bool = False


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator)
def warehouse_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, config: DbtBuildConfig
) -> Iterator[Any]:
    with warehouse.connect(read_only=True) as con:
        nothing_to_build = no_usable_rows_message(con) or missing_required_message(con)
    if nothing_to_build:
        raise dg.Failure(description=nothing_to_build)
    what = "full refresh" if config.full_refresh else "incremental large facts"
    report(context, f"dbt: building staging, intermediate and marts (dbt build, {what})")
    gx_suites.prewarm()
    try:
        yield from _build(context, dbt, config)
    finally:
        clean_run_targets(context.run_id)


def _build(context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig) -> Iterator[Any]:
    """The `dbt build` of the run, streamed as Dagster events; raises a Failure naming every failed node."""
    invocation = dbt.cli(dbt_build_args(full_refresh=config.full_refresh), context=context, raise_on_error=False)
    built = checks = failed = 0
    for event in invocation.stream():
        if isinstance(event, dg.Output | dg.AssetMaterialization):
            built += 1
            key = event.asset_key if isinstance(event, dg.AssetMaterialization) else event.output_name
            name = key.to_user_string() if hasattr(key, "to_user_string") else key
            report(context, f"dbt: built {name}", detail=True)
            if built % 25 == 0:
                report(context, f"dbt: {built} models built, {checks} tests run")
        elif isinstance(event, dg.AssetCheckResult):
            checks += 1
            if not event.passed:
                failed += 1
                report(context, f"dbt: test failed {event.check_name} on {event.asset_key.to_user_string()}")
        yield event
    report(context, f"dbt: done, {built} models built, {checks} tests run, {failed} failed or warned")
    keep_parse_state(invocation.target_path)
    if not invocation.is_successful():
        problems = failed_nodes(invocation.get_artifact("run_results.json"))
        raise dg.Failure(
            description="dbt build failed:\n" + "\n".join(f"  {problem}" for problem in problems),
            metadata={"failed_nodes": len(problems)},
        )


def clean_run_targets(run_id: str, target: Path | None = None) -> None:
    """dagster-dbt leaves a target/<asset>-<run id[:7]>-<uuid>/ folder behind at every run (docs/pitfalls.md 12):
    the dbt step removes its run's folders when it ends, failed or not, so the run cleans up after itself whoever
    launched it (`spm`, the UI, the schedule).

    Only this run's folders are removed: another run building from the same clone at the same time is still
    reading and writing its own folder, and removing it fails that run's dbt nodes with "No such file". This
    run's run_results.json (dbt's timing of every node) is kept as target/run_results.json first, so where a build's
    time went can still be read (bench/benchmark.py prints the slowest nodes).
    """
    target = target or dbt_project.project_dir / dbt_project.target_path
    folders = [folder for folder in target.glob(f"*-{run_id[:7]}-*") if folder.is_dir()]
    results = [folder / "run_results.json" for folder in folders if (folder / "run_results.json").is_file()]
    if results:
        newest = max(results, key=lambda path: path.stat().st_mtime_ns)
        write_atomically(target / "run_results.json", newest.read_bytes())
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def keep_parse_state(run_target: Path) -> None:
    """dbt re-parses the whole project (~10 s) when its saved state was written under another profile, e.g. another
    warehouse path. Each run parses in its own target folder; keeping that state makes the next run with the same
    settings parse only what changed."""
    state = run_target / "partial_parse.msgpack"
    if state.is_file():
        kept = dbt_project.project_dir / dbt_project.target_path / "partial_parse.msgpack"
        write_atomically(kept, state.read_bytes())


def failed_nodes(run_results: Mapping[str, Any], limit: int = 20) -> list[str]:
    """One line per model, test or unit test that errored or failed, with dbt's own message."""
    lines = []
    for result in run_results.get("results", []):
        if result.get("status") in ("error", "fail", "runtime error"):
            message = " ".join((result.get("message") or "").split())[:300]
            lines.append(f"{result['unique_id']}: {result['status']}: {message}")
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more"]
    return lines or ["dbt exited non-zero without a failing node (its output is in the run log, logs/<job>.log)"]
