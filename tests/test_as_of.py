"""The integration build once more with an explicit as-of date (SPM_AS_OF), as a user reproducing a past run."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import AS_OF, BuiltWarehouse

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MONTHLY_MARTS = ("mart_rep_monthly_kpis", "mart_team_monthly_kpis", "mart_collection_rate", "mart_sales_funnel")


def _one(warehouse: Path, sql: str) -> object:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_the_as_of_build_has_one_as_of_date_and_no_later_month(built_warehouse_as_of: BuiltWarehouse) -> None:
    warehouse = built_warehouse_as_of.warehouse
    assert _one(warehouse, "select count(*) from intermediate.int_run_as_of") == 1
    assert str(_one(warehouse, "select as_of_date from intermediate.int_run_as_of")) == AS_OF
    for mart in MONTHLY_MARTS:
        latest = _one(warehouse, f"select max(month) from marts.{mart}")
        assert str(latest) == "2025-10-01", mart


def test_the_as_of_build_keeps_one_row_per_key_and_fewer_months(
    built_warehouse_as_of: BuiltWarehouse, built_warehouse: BuiltWarehouse
) -> None:
    cut, full = built_warehouse_as_of.warehouse, built_warehouse.warehouse
    sql = (
        "select count(*), count(distinct employee_id || '|' || cast(month as varchar)) from marts.mart_rep_monthly_kpis"
    )
    con = duckdb.connect(str(cut), read_only=True)
    rows, keys = con.execute(sql).fetchone()
    con.close()
    assert rows == keys > 0
    full_before_cut = _one(full, "select count(*) from marts.mart_rep_monthly_kpis where month <= date '2025-10-01'")
    full_rows = _one(full, "select count(*) from marts.mart_rep_monthly_kpis")
    assert rows == full_before_cut < full_rows
