"""The same dbt project on PostgreSQL and on Spark, from the raw tables of our own ingest.

Each lane copies the session warehouse's `raw` schema (ingested by the real Dagster job from the generated
landing folder) to the engine, runs dbt there with the project's own profile output, and compares results with
the DuckDB build of the same rows: equal row counts per mart, and on PostgreSQL equal money totals to the cent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

from dagster_project.engines.load_raw import copy_raw_to_postgres
from dagster_project.settings import DBT_PROJECT_DIR, DEFAULT_TIMEZONE, REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DBT = str(Path(sys.executable).parent / "dbt")
# Marts compared on both engines: tables built by dbt (the evaluation views read the publish schema, which a
# build does not fill).
MARTS = [
    "dim_customer", "mart_customer_retention", "mart_customer_satisfaction", "fct_invoices", "fct_payments",
    "mart_ar_aging", "mart_collection_rate", "mart_sales_funnel", "audit_payout_lineage", "mart_pay_statement",
    "dim_sales_rep", "fct_bookings", "mart_rep_monthly_kpis", "mart_rep_quarterly_kpis", "mart_team_monthly_kpis",
]
MONEY_TOTALS = {
    "bookings": "select sum(bookings) from marts.mart_rep_monthly_kpis",
    "total_pay": "select sum(amount) from marts.mart_pay_statement where line = 'total_pay'",
    "receivable_due": "select sum(receivable_due) from marts.mart_rep_monthly_kpis",
}


def _duckdb_results(warehouse: Path) -> tuple[dict[str, int], dict[str, Decimal]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in MARTS}
        money = {k: con.execute(sql).fetchone()[0] for k, sql in MONEY_TOTALS.items()}
    finally:
        con.close()
    return counts, money


def _dbt(args: list[str], env: dict[str, str], target_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DBT, *args, "--profiles-dir", ".", "--target-path", str(target_path)],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True,
    )


def _statuses(target_path: Path) -> dict[str, int]:
    """Status -> count over the nodes dbt builds or tests; the exposures (dbt/models/_exposures.yml) are listed by
    `dbt build` as no-op on every engine and build nothing, so they are not counted."""
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    tally: dict[str, int] = {}
    for r in results:
        if r["unique_id"].startswith("exposure."):
            assert r["status"] == "no-op", r
            continue
        tally[r["status"]] = tally.get(r["status"], 0) + 1
    return tally


def test_postgres_lane_builds_and_tests_and_matches_duckdb(built_warehouse, postgres_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    started = time.monotonic()
    raw_copy = built_warehouse.copy_to(tmp_path / "duck")
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("create database spm_lane")
    url = urlsplit(postgres_url)
    lane_url = postgres_url.rsplit("/", 1)[0] + "/spm_lane"
    loaded = copy_raw_to_postgres(raw_copy.warehouse, lane_url)
    assert loaded["crm__opportunity"] > 0
    env = {**os.environ, "SPM_PG_HOST": url.hostname or "", "SPM_PG_PORT": str(url.port),
           "SPM_PG_USER": url.username or "", "SPM_PG_DATABASE": "spm_lane",
           "SPM_AS_OF": "", "SPM_TIMEZONE": DEFAULT_TIMEZONE}
    target = tmp_path / "target-pg"
    run = _dbt(["build", "--target", "postgres"], env, target)
    assert run.returncode == 0, run.stdout[-5000:]
    statuses = _statuses(target)
    assert set(statuses) <= {"success", "pass", "warn"}, statuses
    assert statuses.get("pass", 0) > 300  # data tests and unit tests ran, not only models

    duck_counts, duck_money = _duckdb_results(built_warehouse.warehouse)
    with psycopg.connect(lane_url) as pg:
        pg_counts = {t: pg.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in MARTS}
        pg_money = {k: pg.execute(sql).fetchone()[0] for k, sql in MONEY_TOTALS.items()}
        amount_type = pg.execute(
            "select data_type, numeric_scale from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'mart_pay_statement' and column_name = 'amount'"
        ).fetchone()
    assert pg_counts == duck_counts
    assert all(duck_counts[t] > 0 for t in ("fct_bookings", "mart_pay_statement", "mart_rep_monthly_kpis"))
    assert pg_money == duck_money
    assert duck_money["total_pay"] > 0
    assert amount_type == ("numeric", 2)
    print(f"\nPostgreSQL lane: {time.monotonic() - started:.0f} s, {statuses}")


_SPARK_COUNTS = """
import json, sys
from dagster_project.engines.load_raw import local_spark_session
spark = local_spark_session()
print(json.dumps({t: spark.sql(f"select count(*) from marts.{t}").collect()[0][0] for t in sys.argv[1:]}))
spark.stop()
"""


@pytest.fixture(scope="module")
def spark_lane(built_warehouse, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Run the Spark lane once: raw tables to Parquet in a local catalog, dbt build --selector spark_lane, counts."""
    started = time.monotonic()
    wall_start = time.time()
    tmp_path = tmp_path_factory.mktemp("spark")
    raw_copy = built_warehouse.copy_to(tmp_path / "duck")
    env = {**os.environ, "SPM_SPARK_WAREHOUSE": str(tmp_path / "spark-warehouse"),
           "SPM_SPARK_METASTORE": str(tmp_path / "spark-metastore"), "SPM_AS_OF": "",
           "SPM_TIMEZONE": DEFAULT_TIMEZONE}
    load = subprocess.run(
        [sys.executable, "-m", "dagster_project.engines.load_raw", "spark", "--warehouse", str(raw_copy.warehouse),
         "--out", str(tmp_path / "raw-parquet")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True,
    )
    assert load.returncode == 0, load.stderr[-5000:]
    target = tmp_path / "target-spark"
    run = _dbt(["build", "--target", "spark", "--selector", "spark_lane"], env, target)
    assert run.returncode == 0, run.stdout[-5000:]
    counted = subprocess.run(
        [sys.executable, "-c", _SPARK_COUNTS, *MARTS], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert counted.returncode == 0, counted.stderr[-5000:]
    print(f"\nSpark lane: {time.monotonic() - started:.0f} s")
    # Spark's run artefacts stay in the lane's folders: Derby's log beside the metastore, none in the processes'
    # working directories (the repo root for the loader, dbt/ for dbt).
    assert (tmp_path / "spark-metastore.derby.log").is_file()
    for cwd in (REPO_ROOT, DBT_PROJECT_DIR):
        for artefact in ("derby.log", "metastore_db", "spark-warehouse"):
            path = cwd / artefact
            assert not (path.exists() and path.stat().st_mtime >= wall_start), f"{path} written by the Spark lane"
    return _statuses(target), json.loads(counted.stdout.strip().splitlines()[-1])


def test_spark_lane_builds_every_seed_and_model(spark_lane) -> None:  # type: ignore[no-untyped-def]
    statuses, counts = spark_lane
    assert set(statuses) == {"success"}, statuses
    assert statuses["success"] >= 80  # seeds + models (+ the hook), not an empty selection
    assert set(counts) == set(MARTS)


def test_spark_lane_row_counts_match_duckdb(spark_lane, built_warehouse) -> None:  # type: ignore[no-untyped-def]
    """Every mart has DuckDB's row count on Spark, and the sales and pay marts are not empty on either engine.

    Why both: a CRM column read as a string literal ("Id" without ANSI quoting) collapses each CRM staging table to
    one row, which empties the sales marts on Spark; equal counts of two empty tables would prove nothing.
    """
    _, spark_counts = spark_lane
    duck_counts, _ = _duckdb_results(built_warehouse.warehouse)
    assert spark_counts == duck_counts
    assert all(duck_counts[t] > 0 for t in MARTS), duck_counts
