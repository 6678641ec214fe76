"""`spm`: the command-line tool of the sales performance warehouse.

    spm generate --scale 0.1 --seed 42 --out data/landing   write synthetic extracts
    spm run                                                  ingest -> dbt build -> quality gates, with a summary
    spm evaluate --quarter 2025Q3 [--publish]                grade a quarter behind blocking gates; freeze it
    spm pay --month 2025-11 [--publish]                      the month's pay statements, gated; freeze them
    spm explain-pay --employee E0012 --month 2025-11         every pay line derived down to landing rows
    spm export-statements --month 2025-11                    one CSV + XLSX + HTML statement per rep for payroll
    spm dashboard --month 2025-11                            the monthly performance dashboard (HTML)
    spm serve-bi --url postgresql://publisher@host/db       build, then publish the marts to PostgreSQL for BI
    spm check-contract data/warehouse.duckdb                 published tables, columns and types present

    spm check-sources --landing data/landing                 dry-run a company's export against the configuration
    spm calendar --years 2015-2026                           regenerate the working-day calendar seed

Settings come from the environment (SPM_LANDING_DIR, SPM_WAREHOUSE, SPM_AS_OF, SPM_SOURCE_CONFIG) and matching
options.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dagster_project.settings import DEFAULT_LANDING, DEFAULT_WAREHOUSE, Settings

if TYPE_CHECKING:
    import dagster as dg

    from dagster_project.assets.publication import PublicationAssets
    from dagster_project.summary import CheckTally

log = logging.getLogger("spm")


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False


def _add_settings_options(parser: argparse.ArgumentParser) -> None:
    from dagster_project.i18n import DEFAULT_LOCALE, LOCALES

    parser.add_argument(
        "--landing", help=f"landing folder (env SPM_LANDING_DIR, default {DEFAULT_LANDING})"
    )
    parser.add_argument(
        "--warehouse", help=f"DuckDB warehouse file (env SPM_WAREHOUSE, default {DEFAULT_WAREHOUSE})"
    )
    parser.add_argument(
        "--as-of", help="data cut-off date YYYY-MM-DD (env SPM_AS_OF, default: latest business date seen)"
    )
    parser.add_argument(
        "--source-config", help="the company's source configuration YAML (env SPM_SOURCE_CONFIG; default: built-in)"
    )
    parser.add_argument(
        "--locale", choices=LOCALES, help="language of the dashboard, statements and reports people read "
        f"(env SPM_LOCALE, default {DEFAULT_LOCALE}; docs/locale.md)"
    )
    parser.add_argument(
        "--preset", help="a shipped source configuration the company file builds on (env SPM_PRESET): "
        "salesforce_default_org, fivetran_salesforce, airbyte_salesforce, china_erp_crm_hr"
    )


def _export_reporting_currency() -> None:
    """dbt reads the reporting currency of the source configuration from SPM_REPORTING_CURRENCY."""
    from dagster_project.source_config import SourceConfigError, load_source_config

    try:
        os.environ["SPM_REPORTING_CURRENCY"] = load_source_config().reporting_currency
    except SourceConfigError as error:
        raise SystemExit(f"spm: {error}") from None


def _apply_settings_options(args: argparse.Namespace) -> Settings:
    if args.landing:
        os.environ["SPM_LANDING_DIR"] = args.landing
    if args.warehouse:
        os.environ["SPM_WAREHOUSE"] = args.warehouse
    if args.as_of:
        os.environ["SPM_AS_OF"] = args.as_of
    if getattr(args, "source_config", None):
        os.environ["SPM_SOURCE_CONFIG"] = str(Path(args.source_config).resolve())
    if getattr(args, "preset", None):
        os.environ["SPM_PRESET"] = args.preset
    if getattr(args, "locale", None):
        os.environ["SPM_LOCALE"] = args.locale
    _export_reporting_currency()
    from dagster_project.i18n import LocaleError

    try:
        settings = Settings.from_env()
    except LocaleError as error:
        raise SystemExit(f"spm: {error}") from None
    from dagster_project.db import NotAWarehouseError, check_warehouse_file

    try:
        check_warehouse_file(settings.warehouse)
    except NotAWarehouseError as error:
        raise SystemExit(f"spm: {error}") from None
    settings.export()
    return settings


#: Written by `spm generate` in its output folder: the files it wrote, one relative path a line. `--force` removes
#: only those, so a folder that holds anything else (or is the working folder) is never emptied.
GENERATED_MARKER = ".spm-generated"


def _files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def _remove_generated(out: Path) -> str | None:
    """Remove the files a previous `spm generate` wrote into `out` (its marker's list); returns why not, or None."""
    cwd = Path.cwd().resolve()
    resolved = out.resolve()
    if resolved == cwd or resolved in cwd.parents or resolved == Path.home().resolve():
        return f"--force will not clear {out}: it is the working folder, one of its parents or the home folder"
    marker = out / GENERATED_MARKER
    if not marker.is_file():
        return (f"{out} holds files spm generate did not write (no {GENERATED_MARKER} marker): --force removes only "
                "what spm generate wrote before; choose an empty or new folder")
    for line in marker.read_text(encoding="utf-8").splitlines():
        target = (out / line).resolve()
        if line and resolved in target.parents and (target.is_file() or target.is_symlink()):
            target.unlink()
    marker.unlink()
    for folder in sorted((p for p in out.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):  # only folders left empty go; a folder with other files stays
            folder.rmdir()
    return None


def _out_is_a_file(out: str) -> bool:
    """A one-line error (instead of a traceback from mkdir) when --out names an existing file."""
    if Path(out).exists() and not Path(out).is_dir():
        log.error("--out %s is a file, not a folder: choose a folder", out)
        return True
    return False


def cmd_generate(args: argparse.Namespace) -> int:
    from dagster_project.generator import generate

    out = Path(args.out)
    if _out_is_a_file(args.out):
        return 2
    if out.exists() and any(out.iterdir()):
        if not args.force:
            log.error("%s is not empty: pass --force to replace what spm generate wrote there before", out)
            return 2
        refusal = _remove_generated(out)
        if refusal:
            log.error("%s", refusal)
            return 2
    before = _files_under(out) if out.exists() else set()
    started = time.perf_counter()
    counts = generate(out, scale=args.scale, seed=args.seed, progress=log.info, locale=args.locale)
    written = sorted(_files_under(out) - before)
    (out / GENERATED_MARKER).write_text("".join(f"{name}\n" for name in written), encoding="utf-8")
    log.info(
        "generated %s rows in %d files under %s in %.1f s",
        f"{sum(counts.values()):,}", len(written), out, time.perf_counter() - started,
    )
    return 0


def execute_job(  # type: ignore[no-untyped-def]
    job: dg.UnresolvedAssetJobDefinition,
    settings: Settings,
    run_config_extra: dict[str, object] | None = None,
    **kwargs: object,
):
    """Launch a job of the Definitions (a handle from dagster_project.jobs) in this process on the persistent
    instance (dagster_project.instance: `make dev` lists the run with its logs), quietly (our own progress lines
    are on stderr). The handle, not its name, is what callers pass, so a renamed job fails at import."""
    from dagster_project.definitions import defs
    from dagster_project.instance import open_instance
    from dagster_project.resources import build_resources

    job_name = job.name
    resolved = defs.resolve_job_def(job_name)
    # Dagster's console logger would repeat every failure as a traceback; failures are reported by failed_steps.
    run_config: dict[str, object] = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    run_config.update(run_config_extra or {})
    # dagster-dbt echoes every dbt log line to stdout; keep them in a run log (and on screen with -v).
    log_path = settings.warehouse.parent / "logs" / f"{job_name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    verbose = log.isEnabledFor(logging.DEBUG)
    with (
        open(log_path, "w", encoding="utf-8") as run_log,
        contextlib.redirect_stdout(sys.stdout if verbose else run_log),
        open_instance(settings.warehouse) as instance,
    ):
        result = resolved.execute_in_process(
            instance=instance,
            resources=build_resources(settings),
            run_config=run_config,
            raise_on_error=False,
            **kwargs,
        )
    if not result.success:
        log.info("dbt and Dagster output of this run: %s", log_path)
    return result


def tally_checks(result) -> CheckTally:  # type: ignore[no-untyped-def]
    import dagster as dg

    from dagster_project.summary import CheckTally

    tally = CheckTally()
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        if evaluation.passed:
            tally.passed += 1
        elif evaluation.severity == dg.AssetCheckSeverity.WARN:
            tally.warned.append(name)
        else:
            tally.failed.append(name)
    return tally


def _error_text(error) -> str:  # type: ignore[no-untyped-def]
    """The message of the exception the step raised, not Dagster's wrapper around it.

    A step that raises (e.g. IngestError for an unreadable file) fails with "Error occurred while executing op"
    and the real exception as its cause: walk down to it and drop the exception's class name.
    """
    while error is not None and error.cause is not None and (
        error.cls_name == "DagsterExecutionStepExecutionError" or "Error occurred while executing" in error.message
    ):
        error = error.cause
    if error is None:
        return "failed"
    text = error.message.strip()
    head, sep, rest = text.partition(": ")
    if sep and "." in head and " " not in head:  # `package.module.ErrorClass: message`
        text = rest
    return text.removeprefix("dagster._core.definitions.events.Failure: ")


def failed_steps(result) -> list[str]:  # type: ignore[no-untyped-def]
    messages = []
    for event in result.all_events:
        if event.is_step_failure:
            messages.append(f"{event.step_key}: {_error_text(event.event_specific_data.error)}")
    return messages


def _run_build_warehouse(args: argparse.Namespace, forced: str = "") -> int:
    """Launch the main job (`serve_bi` for `spm serve-bi`: the same build, then the publication); Dagster is
    imported only here, after the nothing-new check has had its say. The job asks the same rule again at its
    start (assets/run.py), so `forced` tells it what forced the build."""
    from dagster_project.jobs import build_warehouse_job, serve_bi_job

    return _run_job(serve_bi_job if args.command == "serve-bi" else build_warehouse_job, args, forced)


def cmd_run(args: argparse.Namespace) -> int:
    return _build_unless_unchanged(args)


def _missing_required_extracts(landing: Path) -> str | None:
    """The sentence that stops a run before ingest and dbt when an extract it cannot go without has no delivery
    file (extracts.REQUIRED_TO_RUN), instead of a failed quality gate far from the cause."""
    from dagster_project.extracts import BY_NAME, REQUIRED_TO_RUN
    from dagster_project.ingest.landing import IngestError, extract_files, unknown_entries

    gaps = []
    for name, why in REQUIRED_TO_RUN.items():
        extract = BY_NAME[name]
        try:
            files = extract_files(landing, extract)
        except IngestError:
            continue  # a misnamed file: the ingest names it
        if not files:
            folder = f"{extract.system}/{extract.entity}"
            gaps.append(f"{folder} has no delivery file in {landing} ({folder}/{extract.entity}_YYYYMMDD.csv): {why}")
    if not gaps:
        return None
    unknown = unknown_entries(landing)
    hint = f" (unknown landing folder(s), misspelled?: {', '.join(unknown)})" if unknown else ""
    return "required extract missing, nothing built: " + "; ".join(gaps) + hint


def _build_unless_unchanged(args: argparse.Namespace) -> int:
    """Build, unless nothing changed since the last successful run (decided before Dagster and dbt are imported).

    `spm run`, and the build that `spm evaluate`, `spm pay` and `spm serve-bi` start with: sales ops grading a
    quarter right after the monthly run should not wait for the same warehouse to be built again. Only `spm run`
    has --force."""
    from dagster_project import run_gate  # standard library, settings and source configuration only

    settings = _apply_settings_options(args)
    if not settings.landing_dir.is_dir() or not any(settings.landing_dir.iterdir()):
        return _run_build_warehouse(args)  # says what is missing
    missing = _missing_required_extracts(settings.landing_dir)
    if missing:
        log.error("%s", missing)
        run_gate.stopped(settings.warehouse)
        return 1
    forced = ("forced (--force)" if getattr(args, "force", False)
              else "full refresh" if getattr(args, "full_refresh", False) else "")
    decision = run_gate.decide(settings, forced)
    if not decision.build:
        print(decision.render_unchanged(settings.warehouse))
        return _publish_as_is(settings) if args.command == "serve-bi" else 0
    log.info("building: %s", decision.why)
    return _run_build_warehouse(args, forced)


def cmd_ingest(args: argparse.Namespace) -> int:
    from dagster_project.jobs import ingest_job

    return _run_job(ingest_job, args)


def _run_job(job: dg.UnresolvedAssetJobDefinition, args: argparse.Namespace, forced: str = "") -> int:
    settings = _apply_settings_options(args)
    if not settings.landing_dir.is_dir() or not any(settings.landing_dir.iterdir()):
        log.error("no extracts in %s: run `spm generate --out %s` or set SPM_LANDING_DIR",
                  settings.landing_dir, settings.landing_dir)
        return 2
    from dagster_project.jobs import ingest_job
    from dagster_project.summary import render_unavailable, summarize, unavailable_metrics

    started = time.perf_counter()
    log.info("spm %s: %s -> %s", args.command, settings.landing_dir, settings.warehouse)
    ops: dict[str, object] = {}
    if getattr(args, "full_refresh", False):  # only `spm run` has the flag
        from dagster_project.assets.dbt import warehouse_dbt_assets

        ops[warehouse_dbt_assets.op.name] = {"config": {"full_refresh": True}}
    if forced:
        from dagster_project.assets.run import run__nothing_new

        ops[run__nothing_new.op.name] = {"config": {"forced": forced}}
    result = execute_job(job, settings, run_config_extra={"ops": ops} if ops else None)
    if job is not ingest_job and result.success and not _gate_built(result):
        print("Nothing changed since the last successful run (decided in the run: see its log in `make dev`); "
              "nothing rebuilt.")
        return _publish_as_is(settings) if args.command == "serve-bi" else 0
    checks = tally_checks(result)
    elapsed = time.perf_counter() - started
    publication_failed = [f for f in failed_steps(result) if f.startswith(f"{PUBLICATION_STEP}:")]
    failures = [f for f in failed_steps(result) if f not in publication_failed]  # the build's; serve-bi's below
    if settings.warehouse.exists():
        print(summarize(settings.warehouse, result.run_id).render(checks))
        if job is not ingest_job:
            from dagster_project.instance import step_seconds
            from dagster_project.summary import time_line

            print(time_line(elapsed, step_seconds(settings.warehouse, result.run_id)))
        unavailable = render_unavailable(unavailable_metrics(settings.warehouse))
        if unavailable:
            print(unavailable)
    for failure in failures:
        print(f"FAILED step {failure}", file=sys.stderr)
    ok = (result.success or bool(publication_failed and not failures)) and not checks.failed
    if ok:
        if job is ingest_job:  # ingest builds no marts: say where the loaded rows are and what builds the rest
            print(f"OK in {elapsed:.1f} s. The landing rows are in schema `raw` of {settings.warehouse} "
                  "(bad rows in raw._quarantine); `spm run` builds the marts from them.")
        else:
            print(f"OK in {elapsed:.1f} s. The marts are in schema `marts` of {settings.warehouse} "
                  "(open it read-only with DuckDB; `make dev` shows the Dagster UI).")
        if args.command == "run":
            _print_dashboard(result)
        return _print_publication(result) if args.command == "serve-bi" else 0
    # The last lines say what failed, never where the marts are: they were not (all) rebuilt.
    what = f"{len(failures)} step(s)" if failures else f"{len(checks.failed)} check(s)"
    print(f"FAILED in {elapsed:.1f} s: {what} failed; the marts were not rebuilt from this landing folder.",
          file=sys.stderr)
    for failure in failures:
        for line in failure.splitlines()[1:] or failure.splitlines():
            print(f"  {line.strip()}", file=sys.stderr)
    for name in checks.failed:
        print(f"  check failed: {name}", file=sys.stderr)
    if args.command == "serve-bi":
        log.error("the warehouse build failed: nothing published, BI keeps the previous marts")
    return 1


def _gate_built(result) -> bool:  # type: ignore[no-untyped-def]
    """Did the run's first asset decide to build (it materializes only then)?"""
    from dagster_project.assets.run import GATE_KEY

    return any(event.asset_key == GATE_KEY for event in result.get_asset_materialization_events())


def _print_dashboard(result) -> None:  # type: ignore[no-untyped-def]
    """The line saying where the run's dashboard asset wrote the as-of month, or why it did not."""
    from dagster_project.assets.run import DASHBOARD_KEY

    for event in result.get_asset_materialization_events():
        if event.asset_key == DASHBOARD_KEY:
            metadata = event.materialization.metadata
            if "not_written" in metadata:
                log.error("dashboard not written: %s", metadata["not_written"].value)
            else:
                print(f"Dashboard for {metadata['month'].value}: {metadata['index'].value}")


#: The step of the `bi/postgres_marts` asset (assets/bi.py): its failure is the publication's, not the build's.
PUBLICATION_STEP = "bi__postgres_marts"


def _publish_as_is(settings: Settings) -> int:
    """`spm serve-bi --no-build`, and `spm serve-bi` when nothing changed: the `publish_bi` job, the marts as they
    are."""
    from dagster_project.jobs import publish_bi_job

    return _print_publication(execute_job(publish_bi_job, settings))


def _print_publication(result) -> int:  # type: ignore[no-untyped-def]
    """The publication's summary, read from the `bi/postgres_marts` materialization, or its (scrubbed) failure."""
    from dagster_project.assets.bi import BI_KEY

    for event in result.get_asset_materialization_events():
        if event.asset_key == BI_KEY:
            print(event.materialization.metadata["summary"].value)
            return 0
    failures = [f.split(": ", 1)[1] for f in failed_steps(result) if f.startswith(f"{PUBLICATION_STEP}:")]
    log.error("%s", failures[0] if failures else "nothing published: the publication did not run")
    return 1


def _publication_run(
    args: argparse.Namespace,
    period: str,
    partition: str,
    jobs: tuple[dg.UnresolvedAssetJobDefinition, dg.UnresolvedAssetJobDefinition],
    publication: PublicationAssets,
    render: Callable[[Path, str, bool], str],
) -> int:
    """Build (unless --no-build, or nothing changed since the last successful run), stage the period, run its
    blocking gates and, with --publish, freeze it."""
    settings = _apply_settings_options(args)
    if not args.no_build:
        status = _build_unless_unchanged(args)
        if status != 0:
            log.error("the warehouse build failed: %s not evaluated", period)
            return status
    dry_run_job, publish_job = jobs
    job = publish_job if args.publish else dry_run_job
    log.info("spm %s %s: %s", args.command, period, "stage, gate and publish" if args.publish else "stage and gate")
    run_config = {"ops": {publication.publish_op: {"config": {"reason": args.reason}}}} if args.publish else {}
    result = execute_job(job, settings, partition_key=partition, run_config_extra=run_config)
    gate_failures = [e for e in result.get_asset_check_evaluations() if not e.passed]
    for evaluation in gate_failures:
        print(f"GATE FAILED {evaluation.check_name}: {evaluation.description or ''}", file=sys.stderr)
    for failure in failed_steps(result):
        print(f"FAILED step {failure}", file=sys.stderr)
    if gate_failures or not result.success:
        print(f"{period}: nothing published (a blocking check or step failed)", file=sys.stderr)
        return 1
    print(render(settings.warehouse, period, args.publish))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from dagster_project import publish
    from dagster_project.reports import render_quarter

    try:
        partition = publish.partition_from_quarter(args.quarter)
    except publish.PublishError as error:
        log.error("%s", error)
        return 2
    from dagster_project.assets.publication import evaluation
    from dagster_project.jobs import publish_quarterly_evaluation_job, quarterly_evaluation_job

    jobs = (quarterly_evaluation_job, publish_quarterly_evaluation_job)
    return _publication_run(args, args.quarter, partition, jobs, evaluation, render_quarter)


def cmd_pay(args: argparse.Namespace) -> int:
    from dagster_project.pay.common import parse_month
    from dagster_project.reports import render_pay_month

    try:
        first_day = parse_month(args.month)
    except ValueError as error:
        log.error("%s", error)
        return 2
    from dagster_project.assets.publication import pay
    from dagster_project.jobs import pay_statements_job, publish_pay_statements_job

    jobs = (pay_statements_job, publish_pay_statements_job)
    month = f"{first_day:%Y-%m}"
    return _publication_run(args, month, f"{month}-01", jobs, pay, render_pay_month)


def cmd_explain_pay(args: argparse.Namespace) -> int:
    from dagster_project.pay.common import StatementNotFoundError
    from dagster_project.pay.explain import explain_pay

    settings = _apply_settings_options(args)
    try:
        print(explain_pay(settings.warehouse, args.employee, args.month), end="")
    except (StatementNotFoundError, FileNotFoundError, ValueError) as error:
        log.error("%s", error)
        return 1
    return 0


def cmd_export_statements(args: argparse.Namespace) -> int:
    from dagster_project.pay.common import StatementNotFoundError
    from dagster_project.pay.export import export_statements

    settings = _apply_settings_options(args)
    if _out_is_a_file(args.out):
        return 2
    try:
        written = export_statements(settings.warehouse, args.month, Path(args.out))
    except (StatementNotFoundError, FileNotFoundError, ValueError) as error:
        log.error("%s", error)
        return 1
    log.info("wrote %d files (CSV, XLSX and HTML per rep) to %s", len(written), args.out)
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from dagster_project.dashboard import DashboardError, write_dashboard

    if args.out and _out_is_a_file(args.out):
        return 2
    settings = _apply_settings_options(args)
    try:
        index = write_dashboard(settings.warehouse, args.month, Path(args.out) if args.out else None)
    except DashboardError as error:
        log.error("%s", error)
        return 1
    print(f"Dashboard for {args.month}: {index.resolve()}")
    return 0


def cmd_serve_bi(args: argparse.Namespace) -> int:
    """Launch `serve_bi` (the build unless nothing changed, then the publication) or, with --no-build or when
    nothing changed, `publish_bi`. The URL reaches the job through the environment only (the `bi_database`
    resource reads SPM_BI_POSTGRES_URL), so it is in no run config or log (docs/security.md)."""
    if args.print_setup_sql:
        from dagster_project.bi.access import setup_sql

        print(setup_sql(args.print_setup_sql), end="")
        return 0
    from dagster_project.bi import URL_ENV
    from dagster_project.bi.redact import has_password

    settings = _apply_settings_options(args)
    if args.url:
        if has_password(args.url):
            log.warning("the password in --url is visible to every local user (ps, shell history): leave it out "
                        "and use PGPASSWORD, ~/.pgpass or SPM_BI_POSTGRES_URL instead (docs/security.md)")
        os.environ[URL_ENV] = args.url  # this process and the job it launches only
    if not os.environ.get(URL_ENV):
        log.error("no PostgreSQL database: pass --url or set SPM_BI_POSTGRES_URL")
        return 2
    if args.no_build:
        return _publish_as_is(settings)
    return _build_unless_unchanged(args)


def cmd_plan(args: argparse.Namespace) -> int:
    """`spm plan propose | check | import` (docs/planning.md): the logic is in dagster_project/plan/."""
    from dagster_project.db import connect
    from dagster_project.plan.decompose import PlanError
    from dagster_project.plan.workbook import check, import_workbook, propose

    settings = _apply_settings_options(args)
    try:
        if args.plan_command == "propose":
            with connect(settings.warehouse) as con:
                print(propose(con, settings.landing_dir, args.year, Path(args.out), args.method, args.reps,
                              Path(args.keep) if args.keep else None))
        elif args.plan_command == "check":
            problems = check(Path(args.file))
            for problem in problems:
                print(problem)
            print(f"{args.file}: {len(problems)} problem(s)" if problems else f"{args.file}: every check passed")
            return 1 if problems else 0
        else:
            for path in import_workbook(Path(args.file), settings.landing_dir):
                print(f"wrote {path}")
    except (PlanError, FileNotFoundError) as error:
        log.error("%s", error)
        return 1
    return 0


def cmd_check_sources(args: argparse.Namespace) -> int:
    from dagster_project.ingest.check import check_sources, format_report
    from dagster_project.source_config import SourceConfigError, load_source_config

    settings = _apply_settings_options(args)
    try:
        config = load_source_config()
    except SourceConfigError as error:
        log.error("%s", error)
        return 2
    report = check_sources(settings.landing_dir, config, settings.timezone, settings.as_of)
    print(format_report(report, config), end="")
    return 0 if report.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spm", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="more log lines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser("generate", help="write synthetic landing extracts", description="Write a deterministic, "
                         "realistic landing folder (CRM, finance, HR, planning, surveys) including messy deliveries.")
    gen.add_argument("--scale", type=float, default=0.1, help="1.0 = ~100 reps, 10k accounts, 1M tasks (default 0.1)")
    gen.add_argument("--seed", type=int, default=42, help="random seed; same seed = identical files (default 42)")
    gen.add_argument("--out", default=os.environ.get("SPM_LANDING_DIR", DEFAULT_LANDING), help="output folder")
    gen.add_argument("--force", action="store_true", help="replace what spm generate wrote in the output folder "
                     "before (listed in its .spm-generated marker); other files are never removed")
    gen.add_argument("--locale", choices=("en", "zh-CN"), default="en", help="language of the names of people, "
                     "teams, regions and customers; every other value is the same (default en)")
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="build the warehouse from the landing folder", description="Ingest every "
                         "extract, run dbt build (models and tests) and the quality gates; print a summary. "
                         "When no landing file, dbt project file, setting or the warehouse changed since the last "
                         "successful run, says so and builds nothing. Exits non-zero when anything failed.")
    _add_settings_options(run)
    run.add_argument("--force", action="store_true", help="build even when nothing changed since the last "
                     "successful run (landing files, dbt project, code, settings and warehouse all as recorded)")
    run.add_argument("--full-refresh", action="store_true", help="rebuild the month-incremental large facts "
                     "(tasks, events, opportunity history, invoices, payments) from every raw row (dbt --full-refresh)")
    run.set_defaults(func=cmd_run)

    ingest = sub.add_parser("ingest", help="only load landing files into raw", description="Load new landing "
                            "files into the raw schema with lineage; quarantine bad rows. No dbt.")
    _add_settings_options(ingest)
    ingest.set_defaults(func=cmd_ingest)

    check = sub.add_parser(
        "check-sources",
        help="dry-run the ingest of a landing folder (onboarding a company's export)",
        description="Read every landing file with the source configuration and print the time zone and as-of date "
        "it would use and, per file, the mapped, supplied and kept (_extra) columns, absent optional columns, "
        "picklist values not mapped and how many rows would be quarantined, why, and the key that fixes it. Writes "
        "nothing; exits non-zero when a file would fail or load no rows, when more than "
        "check_sources.max_quarantine_share of an extract would be quarantined, or when a required extract "
        "(hr/employee, crm/opportunity) is missing.",
    )
    _add_settings_options(check)
    check.set_defaults(func=cmd_check_sources)

    evaluate = sub.add_parser(
        "evaluate",
        help="grade a quarter (and publish it)",
        description="Build the warehouse (unless nothing changed since the last successful run), stage the "
        "quarter's grading table and run its quality gates; with "
        "--publish, freeze it as a new version (only when a gate passes and something changed). Exits non-zero "
        "and names the failing check and rows when a gate fails.",
    )
    evaluate.add_argument("--quarter", required=True, help="quarter to evaluate, like 2025Q3")
    evaluate.add_argument("--publish", action="store_true", help="publish the quarter as a frozen version")
    evaluate.add_argument("--reason", help="why this version is published (default: initial / data changed)")
    evaluate.add_argument("--no-build", action="store_true", help="use the warehouse as it is (no ingest/dbt)")
    _add_settings_options(evaluate)
    evaluate.set_defaults(func=cmd_evaluate)

    pay = sub.add_parser(
        "pay",
        help="stage a month's pay statements (and publish them)",
        description="Build the warehouse (unless nothing changed since the last successful run), stage the "
        "month's pay statements and run their quality gates; with "
        "--publish, freeze them and their lineage as a new version (only when the gates pass and something changed).",
    )
    pay.add_argument("--month", required=True, help="month, like 2025-11")
    pay.add_argument("--publish", action="store_true", help="publish the month's statements as a frozen version")
    pay.add_argument("--reason", help="why this version is published (default: initial / data changed)")
    pay.add_argument("--no-build", action="store_true", help="use the warehouse as it is (no ingest/dbt)")
    _add_settings_options(pay)
    pay.set_defaults(func=cmd_pay)

    explain = sub.add_parser(
        "explain-pay",
        help="derive every line of a pay statement down to source rows",
        description="Print every line of one rep's statement for a month with its formula, inputs and the landing "
        "rows (file, SHA-256, row) behind it; the published version when the month is published, else the draft.",
    )
    explain.add_argument("--employee", required=True, help="employee id, like E0012")
    explain.add_argument("--month", required=True, help="month, like 2025-11")
    _add_settings_options(explain)
    explain.set_defaults(func=cmd_explain_pay)

    export = sub.add_parser(
        "export-statements",
        help="write one CSV, one XLSX and one HTML statement per rep for payroll",
        description="Write pay_statement_<month>_<employee>.csv, .xlsx and .html per rep (the published version "
        "when the month is published, else the draft).",
    )
    export.add_argument("--month", required=True, help="month, like 2025-11")
    export.add_argument("--out", default="data/statements", help="output folder (default data/statements)")
    _add_settings_options(export)
    export.set_defaults(func=cmd_export_statements)

    dashboard = sub.add_parser(
        "dashboard",
        help="write the monthly performance dashboard (HTML)",
        description="Write the month's dashboard from the marts: index.html for the company, teams/<team>.html and "
        "reps/<employee>.html, linked relatively; self-contained (opens from disk, no network). Shows no pay.",
    )
    dashboard.add_argument("--month", required=True, help="month, like 2025-11")
    dashboard.add_argument("--out", help="output folder (default: dashboard/<month>/ beside the warehouse)")
    _add_settings_options(dashboard)
    dashboard.set_defaults(func=cmd_dashboard)
    serve_bi = sub.add_parser(
        "serve-bi",
        help="publish the marts to PostgreSQL for BI tools, with least-privilege roles",
        description="Build the warehouse (unless --no-build, or nothing changed since the last successful run) "
        "and, only when the build and its blocking checks "
        "passed, copy every table and view of schema marts to schema marts of a PostgreSQL database in one atomic "
        "transaction (BI queries see the old or the new marts, never a mix; what a DBA added on schema marts is kept). "
        "Grants the roles spm_bi_reader (no pay or salary), spm_payroll, spm_auditor and spm_rep (own pay statement "
        "rows only), which a DBA creates once (--print-setup-sql, docs/security.md); warns when the publisher holds "
        "more than it needs (superuser, CREATEROLE).",
    )
    serve_bi.add_argument("--url", help="PostgreSQL connection URL without the password (env SPM_BI_POSTGRES_URL), "
                          "e.g. postgresql://spm_publisher@db.example.com:5432/spm; the password comes from "
                          "PGPASSWORD or ~/.pgpass (a password on the command line is visible in ps)")
    serve_bi.add_argument("--no-build", action="store_true", help="publish the warehouse as it is (no ingest/dbt)")
    serve_bi.add_argument("--print-setup-sql", metavar="PUBLISHER", nargs="?", const="spm_publisher",
                          help="print the SQL a DBA runs once per database (roles, schemas, the publisher role "
                          "PUBLISHER without CREATEROLE, default spm_publisher) and exit")
    _add_settings_options(serve_bi)
    serve_bi.set_defaults(func=cmd_serve_bi)
    plan = sub.add_parser("plan", help="propose, check and import the annual target plan (docs/planning.md)",
                          description="Decompose the year's plan (landing planning/plan) into months, ISO weeks, "
                          "regions, teams, reps, product lines and customer tiers in a workbook; check an edited "
                          "workbook; import it as the planning deliveries the next run loads.")
    plan_sub = plan.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    propose = plan_sub.add_parser("propose", help="write the proposed plan workbook")
    propose.add_argument("--year", type=int, required=True, help="plan year, like 2026")
    propose.add_argument("--method", choices=("seasonality", "last_year", "equal", "explicit"),
                         help="year -> months (default: the plan's decomposition.months, else seasonality)")
    propose.add_argument("--reps", choices=("level", "last_year"), help="rep weights (default: the plan's, else level)")
    propose.add_argument("--keep", help="an edited workbook whose changed targets are kept as overrides")
    propose.add_argument("--out", required=True, help="the workbook to write, like plan_2026.xlsx")
    for action in ("check", "import"):
        one = plan_sub.add_parser(action, help=f"{action} a plan workbook")
        one.add_argument("file", help="the workbook, like plan_2026.xlsx")
    for one in plan_sub.choices.values():
        _add_settings_options(one)
    plan.set_defaults(func=cmd_plan)
    from dagster_project import contract  # light: duckdb and json only

    check = sub.add_parser("check-contract", help="check a warehouse against the published-table contract",
                           description=contract.DESCRIPTION)
    contract.add_arguments(check)
    check.set_defaults(func=contract.run)

    from dagster_project import working_days  # light: csv only; `holidays` is imported when the command runs

    cal = sub.add_parser("calendar", help="write the working-day calendar seed (China's holidays)",
                         description=working_days.DESCRIPTION)
    working_days.add_arguments(cal)
    cal.set_defaults(func=working_days.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
