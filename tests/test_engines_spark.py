"""The same dbt project on Spark, from the raw tables of our own ingest (the PostgreSQL lane: test_engines.py).

The lane copies the session warehouse's `raw` schema (ingested by the real Dagster job from the generated landing
folder) to Parquet in a local Spark catalog, runs dbt there with the project's own profile output, and compares row
counts per mart with the DuckDB build of the same rows. A file of its own: it is the longest item of the suite, and
`make test` (`--dist loadfile`) gives a whole file to one worker, so the PostgreSQL lane runs on the other one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from dagster_project.settings import DBT_PROJECT_DIR, DEFAULT_TIMEZONE, REPO_ROOT
from tests.engine_lanes import MARTS, duckdb_results, run_dbt, statuses

pytestmark = [pytest.mark.integration, pytest.mark.slow]


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
    run = run_dbt(["build", "--target", "spark", "--selector", "spark_lane"], env, target)
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
    return statuses(target), json.loads(counted.stdout.strip().splitlines()[-1])


def test_spark_lane_builds_every_seed_and_model(spark_lane) -> None:  # type: ignore[no-untyped-def]
    tally, counts = spark_lane
    assert set(tally) == {"success"}, tally
    assert tally["success"] >= 80  # seeds + models (+ the hook), not an empty selection
    assert set(counts) == set(MARTS)


def test_spark_lane_row_counts_match_duckdb(spark_lane, built_warehouse) -> None:  # type: ignore[no-untyped-def]
    """Every mart has DuckDB's row count on Spark, and the sales and pay marts are not empty on either engine.

    Why both: a CRM column read as a string literal ("Id" without ANSI quoting) collapses each CRM staging table to
    one row, which empties the sales marts on Spark; equal counts of two empty tables would prove nothing.
    """
    _, spark_counts = spark_lane
    duck_counts, _ = duckdb_results(built_warehouse.warehouse)
    assert spark_counts == duck_counts
    assert all(duck_counts[t] > 0 for t in MARTS), duck_counts
