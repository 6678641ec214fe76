"""What the engine lanes (tests/test_engines.py: PostgreSQL, tests/test_engines_spark.py: Spark) share: dbt run
with the project's own profile output, the marts compared with the DuckDB build, and dbt's result statuses.

The lanes are two files so that `make test`'s two workers (`--dist loadfile`) run them side by side: the Spark lane
alone is the longest item of the suite (docs/development.md, "Where the suite's time goes").
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

from dagster_project.settings import DBT_PROJECT_DIR

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


def duckdb_results(warehouse: Path) -> tuple[dict[str, int], dict[str, Decimal]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in MARTS}
        money = {k: con.execute(sql).fetchone()[0] for k, sql in MONEY_TOTALS.items()}
    finally:
        con.close()
    return counts, money


def run_dbt(args: list[str], env: dict[str, str], target_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DBT, *args, "--profiles-dir", ".", "--target-path", str(target_path)],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True,
    )


def statuses(target_path: Path) -> dict[str, int]:
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
