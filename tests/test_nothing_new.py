"""`spm run` with nothing new: skipped in seconds, before Dagster or dbt is imported; anything new rebuilds.

Real runs on the small generated landing folder (a private copy, so files can be added): one `spm run` builds and
records, then each test changes one thing and checks that `spm run` builds (or does not) and records again. The
tests run in file order. Nothing here touches the repository, so the module runs beside the other test workers: the
seed test edits a seed in a copy of what a build reads (`_repository_copy`) and runs `spm` from that copy, and the
dbt target folder is checked for this run's folders only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dagster_project import cli, run_state
from dagster_project.settings import DBT_PROJECT_DIR, DEFAULT_TIMEZONE, REPO_ROOT
from dagster_project.source_config import load_source_config
from tests.conftest import table_digest

SKIPPED = "Nothing changed since the last successful run"


@dataclass
class Site:
    landing: Path
    warehouse: Path


@contextlib.contextmanager
def _own_environment() -> Iterator[None]:
    """The CLI exports its settings (SPM_*) for dbt; put the environment back so later tests do not inherit them."""
    saved = dict(os.environ)
    for name in ("SPM_AS_OF", "SPM_SOURCE_CONFIG"):
        os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _spm_run(site: Site, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    """`spm run` in this process (the real CLI path); returns (exit status, stdout, stderr)."""
    with _own_environment():
        capsys.readouterr()
        status = cli.main(["run", "--landing", str(site.landing), "--warehouse", str(site.warehouse), *extra])
        out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def site(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A copy of the session landing folder and a warehouse built from it by one real `spm run`."""
    root = tmp_path_factory.mktemp("nothing_new")
    copy = root / "landing"
    shutil.copytree(landing, copy)
    site = Site(copy, root / "warehouse.duckdb")
    with _own_environment():
        assert cli.main(["run", "--landing", str(copy), "--warehouse", str(site.warehouse)]) == 0
    assert run_state.record_path(site.warehouse).is_file(), "a successful run writes its record"
    yield site


def _compare(landing: Path, warehouse: Path) -> run_state.Comparison:
    """What `spm run` with default settings would find, without running it."""
    record = run_state.read_record(warehouse)
    fingerprint = run_state.run_settings(None, DEFAULT_TIMEZONE, load_source_config().reporting_currency, None)
    return run_state.compare(
        run_state.current_state(landing, DBT_PROJECT_DIR.parent, fingerprint, record), record, warehouse
    )


def _as_of_month(warehouse: Path) -> str:
    from dagster_project.db import connect

    with connect(warehouse) as con:
        return f"{con.execute('select as_of_date from marts.mart_data_freshness').fetchone()[0]:%Y-%m}"


def _recorded_at(site: Site) -> str:
    record = run_state.read_record(site.warehouse)
    assert record is not None
    return str(record["finished_at"]) + str(record["warehouse"])


def test_nothing_new_is_skipped_without_importing_dagster_or_dbt(site: Site) -> None:
    """A separate process, as a user runs it: it says nothing changed, what it compared, and never imports
    Dagster or dbt (their import alone costs seconds); the warehouse file and every mart are untouched."""
    marts_before = table_digest(site.warehouse, "marts")
    stat_before = site.warehouse.stat()
    env = {**os.environ, "SPM_LANDING_DIR": str(site.landing), "SPM_WAREHOUSE": str(site.warehouse)}
    env.pop("SPM_AS_OF", None)
    env.pop("SPM_SOURCE_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dagster_project.cli", "run"],
        env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert SKIPPED in done.stdout, [line for line in done.stderr.splitlines() if "building:" in line]
    files = sum(1 for p in site.landing.rglob("*") if p.is_file())
    assert f"{files} landing files" in done.stdout
    assert "dbt project files (models, macros, seeds" in done.stdout
    assert "settings (as-of date" in done.stdout and "the warehouse file" in done.stdout
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    heavy = sorted(m for m in imported if m.split(".")[0] in {"dagster", "dagster_dbt", "dbt", "great_expectations"})
    assert not heavy, heavy[:5]
    assert site.warehouse.stat().st_mtime_ns == stat_before.st_mtime_ns
    assert table_digest(site.warehouse, "marts") == marts_before


def test_force_rebuilds(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    """`--force` builds although nothing changed, says so, times its steps and records itself; and building the
    same files twice leaves the marts and staging identical, and raw too but for the load log (the second run's
    entries for files it finds already loaded): no row is loaded twice."""
    before = _recorded_at(site)
    digests = {s: table_digest(site.warehouse, s) for s in ("raw", "staging", "marts")}
    started = time.time_ns()
    status, out, err = _spm_run(site, capsys, "--force")
    assert status == 0, err[-2000:]
    again = {s: table_digest(site.warehouse, s) for s in ("raw", "staging", "marts")}
    assert again["marts"] == digests["marts"] and again["staging"] == digests["staging"]
    assert {t: d for t, d in again["raw"].items() if t != "_load_log"} == {
        t: d for t, d in digests["raw"].items() if t != "_load_log"
    }
    assert SKIPPED not in out and "building: forced (--force)" in err and "OK in" in out
    timed = re.search(r"^  time +([0-9.]+) s: ingest ([0-9.]+) s, dbt ([0-9.]+) s, dashboard ([0-9.]+) s, "
                      r"quality gates ([0-9.]+) s, the rest ([0-9.]+) s", out, re.MULTILINE)
    assert timed, out[-2000:]
    total, ingest, dbt, dashboard, gates, rest = (float(x) for x in timed.groups())
    assert ingest > 0 and dbt > ingest and dashboard > 0 and gates > 0, timed.group(0)
    assert abs(ingest + dbt + dashboard + gates + rest - total) < 0.5, timed.group(0)
    month = _as_of_month(site.warehouse)
    index = site.warehouse.parent / "dashboard" / month / "index.html"
    assert out.splitlines()[-1] == f"Dashboard for {month}: {index.resolve()}", "printed from the dashboard asset"
    assert _recorded_at(site) != before, "the forced build records itself"
    target = DBT_PROJECT_DIR / "target"
    assert (target / "run_results.json").stat().st_mtime_ns > started, "the build's dbt timings are kept"
    run_id = _latest_run_id(site)  # other workers' builds may be using their own folders meanwhile
    assert not [f for f in target.glob(f"*-{run_id[:7]}-*") if f.is_dir()], "dagster-dbt's per-run folders are removed"
    status, out, _ = _spm_run(site, capsys)
    assert status == 0 and SKIPPED in out


def _latest_run_id(site: Site) -> str:
    """The newest `build_warehouse` run on the site's persistent instance."""
    import dagster as dg

    from dagster_project.instance import dagster_home

    with dg.DagsterInstance.from_config(str(dagster_home(site.warehouse))) as instance:
        return instance.get_runs(dg.RunsFilter(job_name="build_warehouse"), limit=1)[0].run_id


def test_spm_run_is_listed_by_the_persistent_instance(site: Site) -> None:
    """`spm run` launches the job on the persistent instance beside the warehouse (the one `make dev` opens): the
    run is there, under its job name, succeeded, with its event log (the gate's decision, the dashboard)."""
    import dagster as dg

    from dagster_project.instance import dagster_home

    assert dagster_home(site.warehouse) == site.warehouse.parent / "dagster_home"
    with dg.DagsterInstance.from_config(str(site.warehouse.parent / "dagster_home")) as instance:
        runs = instance.get_runs(dg.RunsFilter(job_name="build_warehouse"))
        assert runs, "no build_warehouse run on the persistent instance"
        first = runs[-1]  # the fixture's run (newest first)
        assert first.status == dg.DagsterRunStatus.SUCCESS
        messages = [entry.user_message for entry in instance.all_logs(first.run_id)]
    assert any(m.startswith("building: no record of a successful run") for m in messages)
    assert any(m.startswith("dashboard: ") and m.endswith("index.html") for m in messages)


def test_the_schedule_runs_what_spm_run_runs(site: Site) -> None:
    """The `monthly_build` schedule's run request, executed the way the daemon does (the job of the Definitions,
    the request's run config, the same persistent instance), after a file was re-delivered under a new name: the
    first run builds because of that new landing file (and the ingest logs the duplicate), writes the dashboard and
    the record; the second finds nothing new, says so, and materializes nothing.

    The re-delivery is what makes the first run build, so the suite needs no build of its own for it: the check that
    decides is `run_state.compare`, the same for the schedule and for `spm run`."""
    import dagster as dg
    import duckdb

    from dagster_project import instance as spm_instance
    from dagster_project.assets.run import DASHBOARD_KEY, GATE_KEY
    from dagster_project.definitions import defs
    from dagster_project.jobs import monthly_build_schedule
    from dagster_project.resources import build_resources
    from dagster_project.settings import Settings

    folder = site.landing / "crm" / "account"
    newest = sorted(folder.iterdir())[-1]
    redelivered = folder / f"account_{newest.name.split('_')[1][:8]}_9.csv"
    shutil.copyfile(newest, redelivered)
    new_file = f"1 new landing file(s): crm/account/{redelivered.name}"
    assert _compare(site.landing, site.warehouse).changes == [new_file]
    dashboard = site.warehouse.parent / "dashboard"
    shutil.rmtree(dashboard, ignore_errors=True)
    with _own_environment():
        os.environ["SPM_LANDING_DIR"] = str(site.landing)
        os.environ["SPM_WAREHOUSE"] = str(site.warehouse)
        os.environ.pop("SPM_REPORTING_CURRENCY", None)
        settings = Settings.from_env()
        job = defs.resolve_job_def(monthly_build_schedule.job_name)
        with spm_instance.open_instance(site.warehouse) as instance:
            context = dg.build_schedule_context(instance=instance)
            results = []
            for _ in range(2):
                (request,) = monthly_build_schedule.evaluate_tick(context).run_requests
                result = job.execute_in_process(
                    run_config=request.run_config, instance=instance, resources=build_resources(settings),
                    tags=request.tags,
                )
                assert result.success
                results.append(result)
            first, second = ([entry.user_message for entry in instance.all_logs(r.run_id)] for r in results)
    assert job.name == "build_warehouse"
    assert f"building: {new_file}" in first
    built = {event.asset_key for event in results[0].get_asset_materialization_events()}
    assert {GATE_KEY, DASHBOARD_KEY, dg.AssetKey(["raw", "crm__account"])} <= built
    assert len(list(dashboard.glob("*/index.html"))) == 1
    assert run_state.read_record(site.warehouse) is not None
    con = duckdb.connect(str(site.warehouse), read_only=True)
    try:
        logged = con.execute(
            "select status from raw._load_log where source_file = ?", [f"crm/account/{redelivered.name}"]
        ).fetchall()
    finally:
        con.close()
    assert logged == [("skipped_duplicate",)]
    assert results[1].get_asset_materialization_events() == []
    assert any(m.startswith(SKIPPED) for m in second)


def test_resynced_files_with_new_mtimes_are_still_nothing_new(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    """A copy or re-sync rewrites mtimes, not bytes: the files are hashed again and found unchanged."""
    files = sorted(p for p in site.landing.rglob("*") if p.is_file())
    for path in files[:3]:
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    status, out, _ = _spm_run(site, capsys)
    assert status == 0 and SKIPPED in out
    assert "3 hashed" in out
    status, out, _ = _spm_run(site, capsys)
    assert SKIPPED in out and "0 hashed" in out, "the new mtimes are kept, so the next check reads nothing"


def test_another_writer_of_the_warehouse_makes_the_record_stale(site: Site, tmp_path: Path) -> None:
    """The marts read the publish schema: any write to the warehouse after the run (a publication) means build.
    Checked on a copy that keeps mtimes (so its record still holds) and is then written to."""
    import duckdb

    warehouse = tmp_path / site.warehouse.name
    shutil.copy2(site.warehouse, warehouse)
    shutil.copy2(run_state.record_path(site.warehouse), run_state.record_path(warehouse))

    assert _compare(site.landing, warehouse).unchanged
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create table main.written_by_someone_else as select 1 as x")
    finally:
        con.close()
    assert _compare(site.landing, warehouse).changes == [
        "the warehouse file changed or is missing since that run (another command wrote it)"
    ]


def test_pay_right_after_a_run_does_not_build_the_same_warehouse_again(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`spm pay` (and `spm evaluate`, `spm serve-bi`) starts with the same nothing-new check as `spm run`: right after
    a run it stages the month on the warehouse as it is. Checked on a copy that keeps mtimes, so its record holds;
    staging the month then writes the warehouse, and the next build is no longer skipped."""
    warehouse = tmp_path / site.warehouse.name
    shutil.copy2(site.warehouse, warehouse)
    shutil.copy2(run_state.record_path(site.warehouse), run_state.record_path(warehouse))
    with _own_environment():
        capsys.readouterr()
        status = cli.main(["pay", "--month", "2025-11", "--landing", str(site.landing), "--warehouse", str(warehouse)])
        out, err = capsys.readouterr()
    assert status == 0, err[-2000:]
    assert SKIPPED in out and "building:" not in err and "OK in" not in out
    assert "Pay statements 2025-11" in out
    assert _compare(site.landing, warehouse).changes == [
        "the warehouse file changed or is missing since that run (another command wrote it)"
    ]


def _repository_copy(root: Path) -> Path:
    """What a build reads from the repository (run_state.build_inputs: the package, the dbt project, the GX suites,
    pyproject.toml) copied with mtimes and dbt's parsed manifest: `spm` started from the copy (PYTHONPATH) builds with
    the copy's dbt project, so a seed edited there is never read by a build of another test worker."""
    copy = root / "repo"
    skip = shutil.ignore_patterns("__pycache__", ".*")
    shutil.copytree(REPO_ROOT / "dagster_project", copy / "dagster_project", ignore=skip)
    shutil.copytree(REPO_ROOT / "expectations", copy / "expectations", ignore=skip)
    shutil.copytree(DBT_PROJECT_DIR, copy / "dbt", ignore=lambda folder, names: [
        n for n in names if n.startswith(".") or (Path(folder) == DBT_PROJECT_DIR and n in ("target", "logs"))
    ])
    shutil.copy2(REPO_ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "dbt" / "target").mkdir()
    for name in ("manifest.json", "partial_parse.msgpack"):
        if (DBT_PROJECT_DIR / "target" / name).is_file():
            shutil.copy2(DBT_PROJECT_DIR / "target" / name, copy / "dbt" / "target" / name)
    return copy


def _spm_run_from(repo: Path, site: Site) -> subprocess.CompletedProcess[str]:
    """`spm run` as a user starts it, with the package (and so the dbt project) of `repo`."""
    env = {**os.environ, "PYTHONPATH": str(repo), "SPM_LANDING_DIR": str(site.landing),
           "SPM_WAREHOUSE": str(site.warehouse)}
    for name in ("SPM_AS_OF", "SPM_SOURCE_CONFIG", "SPM_REPORTING_CURRENCY"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "dagster_project.cli", "run"], cwd=repo, env=env,
                          capture_output=True, text=True, check=False)


def test_changed_policy_seed_rebuilds(site: Site, tmp_path: Path) -> None:
    """A policy seed edited after the last run rebuilds, and the marts show the new policy. The seed is edited in a
    copy of the repository (`spm` runs from it), so the other test workers' builds keep reading the real one."""
    repo = _repository_copy(tmp_path)
    seed = repo / "dbt" / "seeds" / "policy_collection_targets.csv"
    original = seed.read_bytes()
    assert original == (DBT_PROJECT_DIR / "seeds" / "policy_collection_targets.csv").read_bytes()
    collection_before = table_digest(site.warehouse, "marts")["mart_collection_rate"]
    done = _spm_run_from(repo, site)
    assert done.returncode == 0 and SKIPPED in done.stdout, done.stderr[-2000:]  # the copy is the same inputs
    seed.write_bytes(original.replace(b"60,0.92,", b"60,0.91,"))
    assert seed.read_bytes() != original
    done = _spm_run_from(repo, site)
    assert done.returncode == 0, done.stderr[-2000:]
    assert SKIPPED not in done.stdout and "dbt/seeds/policy_collection_targets.csv" in done.stderr
    assert table_digest(site.warehouse, "marts")["mart_collection_rate"] != collection_before
    done = _spm_run_from(repo, site)
    assert SKIPPED in done.stdout
    assert _compare(site.landing, site.warehouse).changes == [
        "1 build input(s) added, removed or edited: dbt/seeds/policy_collection_targets.csv"
    ], "the repository's seed, as it was, is a change again"


def test_failed_build_leaves_no_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Only a fully successful run records: a build that fails (here: an unknown landing folder) deletes the record."""
    landing = tmp_path / "landing"
    (landing / "crm" / "oportunity").mkdir(parents=True)
    (landing / "crm" / "oportunity" / "oportunity_20250101.csv").write_text("Id\n1\n", encoding="utf-8")
    site = Site(landing, tmp_path / "warehouse.duckdb")
    run_state.record_path(site.warehouse).write_text('{"version": 1, "truncated": true}', encoding="utf-8")
    status, out, _ = _spm_run(site, capsys)
    assert status != 0 and SKIPPED not in out
    assert not run_state.record_path(site.warehouse).exists()
