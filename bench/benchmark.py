"""Time and peak memory of `spm generate`, `spm run` (first load, then nothing new) and the hand-written bound.

    python bench/benchmark.py --scale 1 [--workdir DIR] [--keep] [--no-ingest-profile] [--no-monthly]
    python bench/benchmark.py --ingest-only LANDING   (the ingest pass and DuckDB's plain read of LANDING alone)

Each step runs as its own process so its peak resident memory (max RSS of the process tree's largest member,
as the kernel reports for children) is measured apart. The bound is bench/bound.sql: the core marts (bookings with
splits and new/existing, attainment, activities, stage entries, collection, quarter-start coverage) written by hand
as one DuckDB script over the landing CSVs, the time no pipeline over these files can beat by much; its totals are
compared with the warehouse's, so a bound that computes less than the marts shows up. Then dbt's floor on a copy of
the warehouse: its start-up, and `dbt build --empty --full-refresh`, the same seeds, models and data tests as a first
build with every input read as zero rows, which no build that walks these nodes with dbt can beat. Then: the ten
slowest dbt nodes of the first build (dbt/target/run_results.json, kept by `spm run`) and, in a separate pass on a
scratch warehouse, the ingest time of each landing file, compared with DuckDB simply reading the same files into a
scratch DuckDB file (one `CREATE TABLE ... AS SELECT * FROM read_csv(...)` per extract, every column text, in its
own process): `ingest / DuckDB read` is what validation, lineage, quarantine and encoding handling cost on top.
Then the monthly run: a second warehouse built from the landing folder without each extract's last delivery, then
fed the whole folder (`spm run`, timed); its staging,
intermediate and mart tables must equal the first build's, loaded_at aside. Ends with the row of the table in
docs/benchmarks.md ("Speed and size"). Exits non-zero if a step fails, the nothing-new run rebuilds, or the monthly
run differs from the full build.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SPM = str(Path(sys.executable).parent / "spm")
BOUND_SQL = Path(__file__).resolve().parent / "bound.sql"
RUN_RESULTS = REPO / "dbt" / "target" / "run_results.json"

CSV_DIALECT = "ignore_errors = true, union_by_name = true, delim = ',', quote = '\"', escape = '\"'"
"""Named in bound.sql's read_csv calls: with the dialect given DuckDB skips its sniffer (≈0.2 s per file here)."""

#: Runs the command in a fresh process, so RUSAGE_CHILDREN covers only that command's process tree.
_WRAPPER = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr); sys.exit(code)"
)
"""Also prints the tree's CPU seconds: on a shared machine wall time includes waiting for a core, CPU time does not."""

#: (what, SQL on the warehouse, SQL on the bound's tables): the same totals, computed both ways.
TOTALS = (
    ("bookings CNY", "select sum(amount_reporting) from marts.fct_bookings",
     "select sum(amount_reporting) from bound_bookings"),
    ("booking credits", "select count(*) from marts.fct_bookings", "select count(*) from bound_bookings"),
    ("new-customer bookings CNY", "select sum(amount_reporting) from marts.fct_bookings where is_new_customer",
     "select sum(amount_reporting) from bound_bookings where is_new_customer"),
    ("revenue target, rep-months with bookings",
     "select sum(revenue_target) from marts.mart_rep_monthly_kpis where bookings > 0",
     "select sum(revenue_target) from bound_attainment where bookings > 0"),
    ("completed activities", "select sum(completed_activities) from intermediate.int_rep_monthly_activities",
     "select sum(completed_activities) from bound_activities"),
    ("stage entries", "select count(*) from intermediate.int_opportunity_stage_entries",
     "select count(*) from bound_stage_entries"),
    ("stage entries advanced", "select count(*) from intermediate.int_opportunity_stage_entries where advanced",
     "select count(*) from bound_stage_entries where advanced"),
    ("receivable due CNY", "select sum(receivable_due) from intermediate.int_rep_monthly_collection",
     "select sum(receivable_due) from bound_collection"),
    ("collected CNY", "select sum(collected) from intermediate.int_rep_monthly_collection",
     "select sum(collected) from bound_collection"),
    ("start customers (quarters in both)",
     "select sum(start_customers) from marts.mart_customer_retention where quarter_start in ({quarters})",
     "select sum(start_customers) from bound_start_customers where quarter_start in ({quarters})"),
)


CPU_SECONDS: dict[str, float] = {}
"""label -> CPU seconds (user + system) of each measured step."""


def measure(
    label: str, command: list[str], env: dict[str, str], cwd: Path | None = None
) -> tuple[float, float, str]:
    """(wall seconds, peak MiB, stdout) of one command in its own process tree; its CPU time goes to CPU_SECONDS."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    rss, cpu = completed.stderr.strip().splitlines()[-1].split()
    peak_mib = int(rss) / 1024
    CPU_SECONDS[label] = float(cpu)
    if completed.returncode != 0:
        print(completed.stdout[-3000:], completed.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"{label} failed with exit code {completed.returncode}")
    print(f"{label:<32} {elapsed:8.1f} s   CPU {float(cpu):7.1f} s   peak RSS {peak_mib:8.0f} MiB", flush=True)
    return elapsed, peak_mib, completed.stdout


def bound_script(landing: Path) -> str:
    return (
        BOUND_SQL.read_text(encoding="utf-8")
        .replace("${LANDING}", str(landing.resolve()))
        .replace("${SEEDS}", str(REPO / "dbt" / "seeds"))
        .replace("${CSV}", CSV_DIALECT)
    )


def run_bound(landing: Path, database: Path) -> None:
    """The bound itself (run in its own process by `--bound`): the script into a fresh DuckDB file."""
    import duckdb

    from dagster_project.db import SAFE_CONFIG

    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database), config=dict(SAFE_CONFIG))
    try:
        con.execute(bound_script(landing))
    finally:
        con.close()


def compare_totals(warehouse: Path, bound_db: Path) -> None:
    """Print each total from the marts and from the bound, side by side (two read-only connections)."""
    import duckdb

    from dagster_project.db import SAFE_CONFIG

    marts = duckdb.connect(str(warehouse), read_only=True, config=dict(SAFE_CONFIG))
    bound = duckdb.connect(str(bound_db), read_only=True, config=dict(SAFE_CONFIG))
    try:
        sql = "select distinct quarter_start from {}"
        both = {r[0] for r in marts.execute(sql.format("marts.mart_customer_retention")).fetchall()}
        both &= {r[0] for r in bound.execute(sql.format("bound_start_customers")).fetchall()}
        quarters = ", ".join(f"date '{q}'" for q in sorted(both)) or "null"
        print(f"\n{'total':<42} {'warehouse':>20} {'bound':>20}  difference")
        for what, marts_sql, bound_sql in TOTALS:
            ours = float(marts.execute(marts_sql.format(quarters=quarters)).fetchone()[0] or 0)
            theirs = float(bound.execute(bound_sql.format(quarters=quarters)).fetchone()[0] or 0)
            diff = "equal" if ours == theirs else f"{(theirs - ours) / (ours or 1):+.3%}"
            print(f"{what:<42} {ours:>20,.2f} {theirs:>20,.2f}  {diff}")
    finally:
        marts.close()
        bound.close()


def run_results(path: Path = RUN_RESULTS) -> dict[str, Any]:
    """A dbt build's run_results.json ({} when there is none): its elapsed_time and each node's execution_time."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def slowest_dbt_nodes(results: list[dict[str, Any]], limit: int = 10) -> list[tuple[float, str, str]]:
    """(seconds, status, node) of the slowest nodes of a build (`run_results()["results"]`)."""
    nodes = sorted(((r.get("execution_time") or 0.0, r["status"], r["unique_id"]) for r in results), reverse=True)
    return nodes[:limit]


def dbt_time_by_kind(results: list[dict[str, Any]]) -> dict[str, float]:
    """Sum of execution_time per resource kind (model, test, seed) of a build: where dbt's time goes."""
    out: dict[str, float] = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        out[kind] = out.get(kind, 0.0) + (r.get("execution_time") or 0.0)
    return out


def ingest_per_file(landing: Path, scratch: Path) -> list[tuple[float, str, str]]:
    """(seconds, file, what happened) per landing file: the real ingest code on a scratch warehouse, timed per file;
    what an extract does after its last file (its checkpoint) is a row of its own, named by the extract's folder."""
    from datetime import UTC, datetime

    import duckdb

    from dagster_project.db import SAFE_CONFIG
    from dagster_project.extracts import EXTRACTS
    from dagster_project.ingest.load import ingest_extract

    scratch.unlink(missing_ok=True)
    timings: list[tuple[float, str, str]] = []
    con = duckdb.connect(str(scratch), config=dict(SAFE_CONFIG))
    try:
        for extract in EXTRACTS:
            last = time.perf_counter()

            def log(message: str, _extract: str = extract.name) -> None:
                nonlocal last
                now = time.perf_counter()
                name, _, what = message.partition(": ")
                timings.append((now - last, name, what))
                last = now

            ingest_extract(con, extract, landing, "bench", datetime.now(UTC), log=log)
            if timings and time.perf_counter() - last > 0.05:  # after the last file: the checkpoint, the hash cache
                timings.append((time.perf_counter() - last, f"{extract.system}/{extract.entity}/", "end of extract"))
    finally:
        con.close()
        scratch.unlink(missing_ok=True)
    return timings


def duckdb_read(landing: Path, database: Path) -> None:
    """DuckDB reading the landing CSVs plainly (run in its own process by `--duckdb-read`): one table per extract,
    `CREATE TABLE ... AS SELECT * FROM read_csv(<the extract's files>, all_varchar = true, header = true, <dialect>)`
    into a fresh DuckDB file, which is removed after. The floor the ingest, which reads the same files into the same
    kind of file, is measured against."""
    import duckdb

    from dagster_project.db import SAFE_CONFIG, ident
    from dagster_project.extracts import EXTRACTS
    from dagster_project.ingest.landing import extract_files

    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database), config=dict(SAFE_CONFIG))
    try:
        for extract in EXTRACTS:
            files = [str(f.path) for f in extract_files(landing, extract) if f.format == "csv"]
            if files:
                con.execute(f"CREATE TABLE {ident(extract.name)} AS SELECT * FROM read_csv(?, all_varchar = true, "
                            f"header = true, {CSV_DIALECT})", [files])
    finally:
        con.close()
        database.unlink(missing_ok=True)


def ingest_ratio(landing: Path, workdir: Path, env: dict[str, str]) -> None:
    """The ingest pass per file (slowest ten printed), then DuckDB's plain read of the same files, and their ratio:
    the ingest is the ingest_per_file total, the read `duckdb_read` in its own process."""
    timings = ingest_per_file(landing, workdir / "ingest-profile.duckdb")
    ingest_s = sum(t for t, _, _ in timings)
    files = sum(1 for _, name, _ in timings if not name.endswith("/"))
    print(f"\ningest per file (separate pass, {files} files, {ingest_s:.1f} s); slowest 10:")
    for seconds, name, what in sorted(timings, reverse=True)[:10]:
        print(f"  {seconds:7.2f} s  {name}  ({what})")
    read_s, _, _ = measure("DuckDB read (same files)", [sys.executable, __file__, "--duckdb-read", str(landing),
                                                         str(workdir / "duckdb-read.duckdb")], env)
    print(f"{'ingest / DuckDB read':<32} {ingest_s / read_s:8.1f}×   (ingest {ingest_s:.1f} s, DuckDB reading the "
          f"same files into a DuckDB file {read_s:.1f} s; the goal is ≤ 2×)")


def dbt_floor(warehouse: Path, workdir: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """(start-up seconds, seconds of `dbt build --empty`, nodes): what dbt alone costs on this project's nodes.

    On a copy of the built warehouse, in a target folder of its own that is parsed first (untimed; `spm run` keeps
    its parse state the same way): `dbt build` selecting nothing is dbt's start-up, and `dbt build --empty
    --full-refresh` runs every seed, model and data test a first `spm run` runs, with each ref and source read as
    zero rows. No pipeline that walks these nodes with dbt can be faster than the second figure, whatever its SQL
    does.
    """
    from dagster_project.assets.dbt import dbt_build_args

    floor, target = workdir / "dbt-floor.duckdb", workdir / "dbt-floor-target"
    _remove_warehouse(floor)
    shutil.copyfile(warehouse, floor)
    dbt = str(Path(sys.executable).parent / "dbt")
    common = ["--profiles-dir", ".", "--target-path", str(target), "--quiet"]
    floor_env = {**env, "SPM_WAREHOUSE": str(floor)}
    subprocess.run([dbt, "parse", *common], env=floor_env, cwd=REPO / "dbt", check=True)
    build = [dbt, *dbt_build_args(), *common]  # a run's own arguments: no unit tests, no dbt.log
    startup, _, _ = measure("dbt start-up (selects nothing)", [*build, "--select", "tag:__none__"], floor_env,
                            cwd=REPO / "dbt")
    # --full-refresh: the first build it is compared with builds every model whole. Without it the month-incremental
    # models of the copy ran their incremental branch against their full tables (delete+insert of the last months,
    # the placeholder hook): data-sized work, not dbt's own, which grew with the scale (docs/benchmarks.md).
    empty, _, _ = measure("dbt build --empty (no rows)", [*build, "--empty", "--full-refresh"], floor_env,
                          cwd=REPO / "dbt")
    nodes = len(run_results(target / "run_results.json").get("results", []))
    shutil.rmtree(target)
    _remove_warehouse(floor)
    return startup, empty, nodes


def _remove_warehouse(warehouse: Path) -> None:
    """The warehouse file with its WAL and its nothing-new record, so the next `spm run` starts from nothing."""
    from dagster_project.run_state import record_path

    for path in (warehouse, Path(f"{warehouse}.wal"), record_path(warehouse)):
        path.unlink(missing_ok=True)


def print_time_line(stdout: str) -> None:
    """The run summary's own account of where its time went (summary.time_line), indented under the run."""
    for line in stdout.splitlines():
        if re.match(r"  time +[0-9]", line):  # not "  time zone"
            print(f"  of it, {line.strip().removeprefix('time').strip()}")


def monthly_run(landing: Path, workdir: Path, full_warehouse: Path, env: dict[str, str]) -> tuple[float, list[str]]:
    """(wall seconds of the monthly `spm run`, tables that differ from the full build). The warehouse is first
    built, untimed for the ratio, from `landing` without each extract's last delivery."""
    from dagster_project.db import connect, content_digests
    from dagster_project.ingest.landing import copy_without_last_delivery

    part, warehouse = workdir / "landing-held-back", workdir / "monthly.duckdb"
    shutil.rmtree(part, ignore_errors=True)
    _remove_warehouse(warehouse)
    held = copy_without_last_delivery(landing, part)
    print(f"{'monthly: held back':<32} {len(held):8d} files (each extract's last delivery)")
    monthly_env = {**env, "SPM_WAREHOUSE": str(warehouse)}
    measure("spm run (all but last month)", [SPM, "run"], {**monthly_env, "SPM_LANDING_DIR": str(part)})
    seconds, _, out = measure("spm run (monthly: month added)", [SPM, "run"], monthly_env)
    print_time_line(out)
    results = run_results()
    if results:
        kinds = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(dbt_time_by_kind(results["results"]).items()))
        print(f"{'  of it, dbt nodes':<32} {results.get('elapsed_time', 0.0):8.1f} s   "
              f"({len(results['results'])} nodes; summed over threads: {kinds})")
    schemas = ("staging", "intermediate", "marts")
    with connect(full_warehouse) as con:
        expected = content_digests(con, schemas, skip_columns={"loaded_at"})
    with connect(warehouse) as con:
        got = content_digests(con, schemas, skip_columns={"loaded_at"})
    differ = sorted(t for t in expected.keys() | got.keys() if expected.get(t) != got.get(t))
    print(f"{'monthly vs full build':<32} {len(expected) - len(differ)} of {len(expected)} tables equal")
    shutil.rmtree(part)
    _remove_warehouse(warehouse)
    return seconds, differ


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="generator scale (default 1.0)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, help="where to write (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the landing folder and warehouse")
    parser.add_argument("--reuse-landing", action="store_true", help="keep an existing landing folder in --workdir")
    parser.add_argument("--no-ingest-profile", action="store_true", help="skip the per-file ingest pass")
    parser.add_argument("--no-monthly", action="store_true", help="skip the monthly-run step (two more builds)")
    parser.add_argument("--ingest-only", type=Path, metavar="LANDING",
                        help="only the ingest pass and DuckDB's plain read of LANDING, and their ratio")
    parser.add_argument("--bound", nargs=2, type=Path, metavar=("LANDING", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--duckdb-read", nargs=2, type=Path, metavar=("LANDING", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bound:
        run_bound(*args.bound)
        return 0
    if args.duckdb_read:
        duckdb_read(*args.duckdb_read)
        return 0
    if args.ingest_only:
        workdir = Path(tempfile.mkdtemp(prefix="spm-bench-"))
        try:
            ingest_ratio(args.ingest_only, workdir, {**os.environ, "GX_ANALYTICS_ENABLED": "false"})
        finally:
            shutil.rmtree(workdir)
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="spm-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    landing, warehouse, bound_db = workdir / "landing", workdir / "warehouse.duckdb", workdir / "bound.duckdb"
    _remove_warehouse(warehouse)
    bound_db.unlink(missing_ok=True)
    env = {**os.environ, "SPM_LANDING_DIR": str(landing), "SPM_WAREHOUSE": str(warehouse),
           "GX_ANALYTICS_ENABLED": "false", "DAGSTER_DISABLE_TELEMETRY": "1"}
    load = os.getloadavg()[0]
    print(f"benchmark at scale {args.scale:g} in {workdir} ({os.cpu_count()} cores, load average {load:.1f})")
    if args.reuse_landing and landing.is_dir():
        gen_s = gen_peak = float("nan")
        print(f"{'spm generate':<32} (reused {landing})")
    else:
        shutil.rmtree(landing, ignore_errors=True)
        gen_s, gen_peak, _ = measure(f"spm generate --scale {args.scale:g}", [
            SPM, "generate", "--scale", str(args.scale), "--seed", str(args.seed), "--out", str(landing)], env)
    size = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) / 2**20
    files = sum(1 for p in landing.rglob("*") if p.is_file())
    print(f"{'landing folder':<32} {size:8.0f} MiB in {files} files")
    run_s, run_peak, first_out = measure("spm run (first load)", [SPM, "run"], env)
    print_time_line(first_out)
    first_build = run_results().get("results", [])
    nodes, kinds = slowest_dbt_nodes(first_build), dbt_time_by_kind(first_build)
    again_s, _, out = measure("spm run (nothing new)", [SPM, "run"], env)
    if "Nothing changed" not in out:
        raise SystemExit("the nothing-new run rebuilt:\n" + out[-2000:])
    bound_s, bound_peak, _ = measure("bound (bench/bound.sql)", [sys.executable, __file__, "--bound", str(landing),
                                                                  str(bound_db)], env)
    print(f"{'warehouse file':<32} {warehouse.stat().st_size / 2**20:8.0f} MiB")
    compare_totals(warehouse, bound_db)
    print()
    floor_startup, floor_s, floor_nodes = dbt_floor(warehouse, workdir, env)
    if floor_nodes != len(first_build):
        raise SystemExit(f"the dbt floor ran {floor_nodes} nodes, the first build {len(first_build)}: "
                         "not the same work")
    print(f"{'  dbt floor / bound':<32} {floor_s / bound_s:8.1f}×   (the 3× goal allows {3 * bound_s:.1f} s for the "
          f"whole run; dbt alone walks its {floor_nodes} nodes with no rows in {floor_s:.1f} s, "
          f"{floor_startup:.1f} s of it start-up)")
    if nodes:
        print("\nslowest dbt nodes of the first build (execution_time; dbt total by kind: "
              + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(kinds.items())) + ")")
        for seconds, status, node in nodes:
            print(f"  {seconds:7.2f} s  {status:<7} {node}")
    if not args.no_ingest_profile:
        ingest_ratio(landing, workdir, env)
    monthly_s, differ = float("nan"), []
    if not args.no_monthly:
        print()
        monthly_s, differ = monthly_run(landing, workdir, warehouse, env)
        print(f"{'monthly / first build':<32} {monthly_s / run_s:8.0%}   (goal ≤ 20 %, {run_s / 5:.1f} s; "
              f"dbt's floor alone is {floor_s / run_s:.0%} of the first build)")
    print("\n| scale | CSV | `spm generate` | `spm run` first | `spm run` nothing new | `spm run` monthly | bound "
          "| first / bound | dbt floor (no rows) |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.scale:g} | {size:.0f} MiB | {gen_s:.1f} s, {gen_peak / 1024:.1f} GiB peak | {run_s:.1f} s, "
          f"{run_peak / 1024:.1f} GiB | {again_s:.1f} s | {monthly_s:.1f} s ({monthly_s / run_s:.0%}) | "
          f"{bound_s:.1f} s, {bound_peak / 1024:.1f} GiB | {run_s / bound_s:.1f}× | {floor_s:.1f} s "
          f"({floor_s / bound_s:.1f}× the bound) |")
    cpu_run, cpu_bound = CPU_SECONDS["spm run (first load)"], CPU_SECONDS["bound (bench/bound.sql)"]
    print(f"CPU seconds: first run {cpu_run:.1f}, nothing new {CPU_SECONDS['spm run (nothing new)']:.1f}, "
          f"bound {cpu_bound:.1f}; first / bound by CPU {cpu_run / cpu_bound:.1f}× "
          f"(load average now {os.getloadavg()[0]:.1f})")
    bound_db.unlink(missing_ok=True)
    if differ:
        print(f"the monthly run differs from the full build in {len(differ)} table(s): {', '.join(differ)}",
              file=sys.stderr)
        return 1
    if not args.keep and not args.workdir:
        shutil.rmtree(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
