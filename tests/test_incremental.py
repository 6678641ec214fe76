"""The monthly run is incremental and changes nothing a full build would not.

The large facts (tasks, events, opportunity history, invoices, payments) are month-incremental (dbt's delete+insert on
their month, dbt/macros/incremental.sql). Here the last month's change deliveries are held back from the landing
folder, the warehouse is built, they are added together with late-arriving changes the generator does not write
(every task of the oldest month deleted, one old invoice deleted, one old task moved to the last month: a month left
empty, changes far outside the lookback, a record leaving its month), and the warehouse is built again,
incrementally. Every mart, and every staging and intermediate table, must then equal a full build from all the
files row for row; and `spm run --full-refresh` must rebuild from scratch. All builds are the real Dagster job with
dbt on DuckDB.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project import cli
from dagster_project.db import connect, content_digests
from dagster_project.ingest.landing import copy_without_last_delivery
from tests.conftest import build, table_digest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SENTINEL = "2000-01-01 00:00:00"
"""A loaded_at no ingest writes: put on the rows of a month the new deliveries do not touch, it stays only if the
incremental run leaves that month alone (loaded_at is lineage no model downstream reads)."""


def _add_late_deletes(landing: Path) -> tuple[str, str]:
    """Write late deliveries on the last date: one deletes every task of the oldest activity month and the oldest
    invoice no payment or credit note refers to, one moves a task of the third month into the last month.
    Returns (the emptied task month, the deleted invoice id)."""
    con = duckdb.connect()
    try:
        tasks = sorted(str(p) for p in (landing / "crm" / "task").glob("*.csv"))
        invoices = sorted(str(p) for p in (landing / "finance" / "invoice").glob("*.csv"))
        payments = sorted(str(p) for p in (landing / "finance" / "payment").glob("*.csv"))
        last_day = max(p.rsplit("_", 1)[-1][:8] for p in tasks)
        stamp = f"{last_day[:4]}-{last_day[4:6]}-{last_day[6:]}T02:00:00.000+0000"

        def read(files: list[str]) -> str:
            listed = ", ".join(f"'{f}'" for f in files)
            return f"select * from read_csv([{listed}], all_varchar=true, union_by_name=true, ignore_errors=true)"

        con.execute(f"create view task as {read(tasks)}")
        month = con.execute('select min(substr("ActivityDate", 1, 7)) from task').fetchone()[0]
        con.execute(
            f"""copy (
                    select * replace ('true' as "IsDeleted", '{stamp}' as "SystemModstamp")
                    from task where substr("ActivityDate", 1, 7) = '{month}'
                    qualify row_number() over (partition by "Id" order by "SystemModstamp" desc) = 1
                    order by "Id"
                ) to '{landing / "crm" / "task" / f"task_{last_day}_9.csv"}' (header, quote '"')"""
        )
        # A task rescheduled from the third month into the last one: its old month must be re-derived too.
        moved_from = con.execute(
            'select distinct substr("ActivityDate", 1, 7) m from task order by m limit 1 offset 2').fetchone()[0]
        con.execute(
            f"""copy (
                    select * replace ('{last_day[:4]}-{last_day[4:6]}-{last_day[6:]}' as "ActivityDate",
                                      '{stamp}' as "SystemModstamp")
                    from task where substr("ActivityDate", 1, 7) = '{moved_from}' and "IsDeleted" = 'false'
                    qualify row_number() over (partition by "Id" order by "SystemModstamp" desc) = 1
                    order by "Id" limit 1
                ) to '{landing / "crm" / "task" / f"task_{last_day}_8.csv"}' (header, quote '"')"""
        )
        con.execute(f"create view invoice as {read(invoices)}")
        con.execute(f"create view payment as {read(payments)}")
        invoice_id = con.execute(
            """select invoice_id from invoice
               where document_type = 'INV'
                 and invoice_id not in (select invoice_id from payment where invoice_id is not null)
                 and invoice_id not in (
                     select original_invoice_id from invoice where original_invoice_id is not null)
               order by invoice_date, invoice_id limit 1"""
        ).fetchone()[0]
        assert invoice_id, "no old invoice without payments to delete"
        con.execute(
            f"""copy (
                    select * replace ('true' as is_deleted, '{stamp[:19]}Z' as updated_at)
                    from invoice where invoice_id = '{invoice_id}'
                    qualify row_number() over (order by updated_at desc) = 1
                ) to '{landing / "finance" / "invoice" / f"invoice_{last_day}_9.csv"}' (header, quote '"')"""
        )
    finally:
        con.close()
    return month, invoice_id


def _digests(warehouse: Path) -> dict[str, str]:
    """Content hash per table of staging, intermediate and marts, without loaded_at (when a row was ingested:
    the one column that legitimately differs between a warehouse fed twice and one fed once)."""
    with connect(warehouse) as con:
        return content_digests(con, ("staging", "intermediate", "marts"), skip_columns={"loaded_at"})


def _sentinel_rows(warehouse: Path, month: str) -> tuple[int, int]:
    """(rows of stg_crm__task in `month`, of them carrying the sentinel loaded_at)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            f"""select count(*), count(*) filter (where loaded_at = timestamp '{SENTINEL}')
                from staging.stg_crm__task where strftime(activity_month, '%Y-%m') = ?""",
            [month],
        ).fetchone()
    finally:
        con.close()


def test_adding_a_month_incrementally_equals_a_full_build(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = tmp_path / "landing_all"
    shutil.copytree(landing, everything)
    emptied_month, deleted_invoice = _add_late_deletes(everything)
    part = tmp_path / "landing_part"
    held = copy_without_last_delivery(everything, part)
    assert any("crm/task/" in name for name in held) and any("finance/invoice/" in name for name in held)

    incremental = tmp_path / "incremental" / "warehouse.duckdb"
    incremental.parent.mkdir()
    assert build(part, incremental).success, "the build without the last month failed"

    con = duckdb.connect(str(incremental))
    try:
        months = [m for (m,) in con.execute(
            "select distinct strftime(activity_month, '%Y-%m') from staging.stg_crm__task order by 1").fetchall()]
        untouched = months[1]  # neither the emptied oldest month, nor the lookback, nor the new month
        con.execute(
            f"""update staging.stg_crm__task set loaded_at = timestamp '{SENTINEL}'
                where strftime(activity_month, '%Y-%m') = ?""",
            [untouched],
        )
        assert con.execute(
            "select count(*) from staging.stg_finance__invoice where invoice_id = ?", [deleted_invoice]
        ).fetchone()[0] == 1
    finally:
        con.close()
    rows_before, _ = _sentinel_rows(incremental, untouched)
    assert rows_before > 0

    assert build(everything, incremental).success, "the incremental build failed"
    # The untouched month was not re-derived; the emptied month is gone with its placeholder; the old invoice too.
    assert _sentinel_rows(incremental, untouched) == (rows_before, rows_before)
    assert _sentinel_rows(incremental, emptied_month) == (0, 0)
    con = duckdb.connect(str(incremental), read_only=True)
    try:
        assert con.execute("select count(*) from staging.stg_crm__task where task_id is null").fetchone()[0] == 0
        assert con.execute(
            "select count(*) from staging.stg_finance__invoice where invoice_id = ?", [deleted_invoice]
        ).fetchone()[0] == 0
    finally:
        con.close()

    full = tmp_path / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    assert build(everything, full).success, "the full build failed"

    marts = table_digest(full, "marts")
    assert len(marts) > 20
    assert table_digest(incremental, "marts") == marts
    expected = _digests(full)
    got = _digests(incremental)
    assert [t for t in expected if got.get(t) != expected[t]] == []
    assert got.keys() == expected.keys()

    # One flag away: a full refresh re-derives every month, so the sentinel is gone and the results stay equal.
    for name in ("SPM_LANDING_DIR", "SPM_WAREHOUSE", "SPM_TIMEZONE", "SPM_AS_OF", "SPM_REPORTING_CURRENCY"):
        monkeypatch.delenv(name, raising=False)
    status = cli.main(["run", "--full-refresh", "--landing", str(everything), "--warehouse", str(incremental)])
    assert status == 0
    assert _sentinel_rows(incremental, untouched) == (rows_before, 0)
    assert table_digest(incremental, "marts") == marts
