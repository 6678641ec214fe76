"""Monthly pay statements are published like quarters: gated, frozen with their lineage, versioned."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import BuiltWarehouse

from dagster_project import cli

pytestmark = pytest.mark.integration

MONTH = "2025-11"


def _scalar(warehouse: Path, sql: str) -> object:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


def _pay(copy: BuiltWarehouse, *extra: str) -> int:
    return cli.main(["pay", "--month", MONTH, "--no-build", "--landing", str(copy.landing),
                     "--warehouse", str(copy.warehouse), *extra])


def test_publish_freezes_statements_and_lineage_and_explain_reads_them(
    built_warehouse: BuiltWarehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = built_warehouse.copy_to(tmp_path)
    assert _pay(copy, "--publish") == 0
    out = capsys.readouterr().out
    assert f"Pay statements {MONTH}" in out and "initial publication" in out
    draft_total = _scalar(
        copy.warehouse,
        f"select sum(amount) from marts.mart_pay_statement where month = date '{MONTH}-01' and line = 'total_pay'",
    )
    frozen_total = _scalar(
        copy.warehouse,
        "select sum(amount) from publish.pay_statement_versions where version = 1 and line = 'total_pay'",
    )
    assert frozen_total == draft_total
    assert _scalar(copy.warehouse, "select count(*) from publish.payout_lineage_versions where version = 1") == _scalar(
        copy.warehouse, f"select count(*) from marts.audit_payout_lineage where month = date '{MONTH}-01'"
    )
    # Unchanged data: a second publish adds nothing.
    assert _pay(copy, "--publish") == 0
    assert _scalar(copy.warehouse, "select count(*) from publish.pay_publications") == 1

    employee = _scalar(
        copy.warehouse, "select min(employee_id) from publish.pay_statement_versions where line = 'total_pay'"
    )
    capsys.readouterr()
    assert cli.main(["explain-pay", "--employee", str(employee), "--month", MONTH,
                     "--warehouse", str(copy.warehouse)]) == 0
    explained = capsys.readouterr().out
    assert "published version 1" in explained and "total_pay" in explained


def test_a_negative_line_blocks_the_pay_publication(
    built_warehouse: BuiltWarehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = built_warehouse.copy_to(tmp_path)
    con = duckdb.connect(str(copy.warehouse))
    con.execute(
        f"update marts.mart_pay_statement set amount = -1 where month = date '{MONTH}-01' and line = 'csat_bonus' "
        "and employee_id = (select min(employee_id) from marts.mart_pay_statement)"
    )
    con.close()
    assert _pay(copy, "--publish") == 1
    err = capsys.readouterr().err
    assert "GATE FAILED" in err and "nothing published" in err
    # The candidate step created the publication tables; the blocked run left them empty.
    assert _scalar(copy.warehouse, "select count(*) from publish.pay_publications") == 0
    assert _scalar(copy.warehouse, "select count(*) from publish.pay_statement_versions") == 0
