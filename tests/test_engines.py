"""The same dbt project on PostgreSQL, from the raw tables of our own ingest (the Spark lane: test_engines_spark.py).

The lane copies the session warehouse's `raw` schema (ingested by the real Dagster job from the generated landing
folder) to PostgreSQL, runs dbt there with the project's own profile output, and compares results with the DuckDB
build of the same rows: equal row counts per mart and equal money totals to the cent.
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlsplit

import pytest

from dagster_project.engines.load_raw import copy_raw_to_postgres
from dagster_project.settings import DEFAULT_TIMEZONE
from tests.engine_lanes import MARTS, MONEY_TOTALS, duckdb_results, run_dbt, statuses

pytestmark = [pytest.mark.integration, pytest.mark.slow]


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
    run = run_dbt(["build", "--target", "postgres"], env, target)
    assert run.returncode == 0, run.stdout[-5000:]
    tally = statuses(target)
    assert set(tally) <= {"success", "pass", "warn"}, tally
    assert tally.get("pass", 0) > 300  # data tests and unit tests ran, not only models

    duck_counts, duck_money = duckdb_results(built_warehouse.warehouse)
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
    print(f"\nPostgreSQL lane: {time.monotonic() - started:.0f} s, {tally}")
