"""BI serving on a real PostgreSQL 15 (tests/pg_server.py): types kept, every mart copied, the swap atomic for a
reader running during two publications, a failed build or an unmapped type publishing nothing, and `spm serve-bi`
a run of the `serve_bi` or `publish_bi` job on the persistent instance."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import duckdb
import psycopg
import pytest
from psycopg import conninfo

from dagster_project.bi import access
from dagster_project.bi.serve import publish_marts
from dagster_project.bi.types import UnmappedTypeError, postgres_type
from tests.conftest import BuiltWarehouse


def database_url(server_url: str, dbname: str, user: str | None = None) -> str:
    return conninfo.make_conninfo(server_url, dbname=dbname, **({"user": user} if user else {}))


def fresh_database(server_url: str, name: str) -> str:
    """A new database on the session server set up as docs/security.md says (a DBA runs `setup_sql` once), so
    tests of different modules never share served marts; returns the URL of the publisher, which has no
    CREATEROLE, no superuser and no password on the command line (the server trusts local logins)."""
    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(database_url(server_url, name), autocommit=True) as dba:
        dba.execute(access.setup_sql().encode())
    return database_url(server_url, name, access.PUBLISHER)


def as_dba(url: str) -> str:
    """The same database as the superuser (what a DBA does: rep logins, their own views and grants)."""
    return conninfo.make_conninfo(url, user="postgres")


def duck_counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()]
        return {n: con.execute(f'select count(*) from marts."{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def publication_id(url: str) -> str:
    with psycopg.connect(url) as con:
        return str(con.execute("select distinct publication_id from marts.bi_publication").fetchone()[0])


@pytest.fixture(scope="module")
def served(postgres_url: str, built_warehouse: BuiltWarehouse) -> str:
    """The session warehouse published once to its own database; returns that database's superuser URL."""
    url = fresh_database(postgres_url, "bi_serve")
    publish_marts(built_warehouse.warehouse, url)
    return url


@pytest.mark.unit
def test_types_are_mapped_explicitly_and_an_unknown_one_is_refused() -> None:
    assert postgres_type("DECIMAL(18,2)", "t.c") == "numeric(18,2)"
    assert postgres_type("DATE", "t.c") == "date"
    assert postgres_type("TIMESTAMP WITH TIME ZONE", "t.c") == "timestamptz"
    assert postgres_type("BOOLEAN", "t.c") == "boolean"
    with pytest.raises(UnmappedTypeError, match=r"marts\.x\.tags: DuckDB type VARCHAR\[\]"):
        postgres_type("VARCHAR[]", "marts.x.tags")


@pytest.mark.unit
def test_an_unclassified_column_or_a_stale_classification_stops_the_publication() -> None:
    declared = {"mart_pay_statement": {"pay": ["amount"]},
                "dim_sales_rep": {"shared": ["employee_id"], "pay": ["base_monthly_salary"]},
                "mart_rep_monthly_kpis": {"shared": ["bookings"]}}
    marts = {"mart_pay_statement": ["amount"], "dim_sales_rep": ["employee_id", "base_monthly_salary"],
             "mart_rep_monthly_kpis": ["bookings"]}
    assert access.classify(marts, declared)["dim_sales_rep"] == {"employee_id": "shared",
                                                                 "base_monthly_salary": "pay"}
    with pytest.raises(access.SensitivityError, match=r"mart_rep_monthly_kpis\.bonus_paid is not classified"):
        access.classify({**marts, "mart_rep_monthly_kpis": ["bookings", "bonus_paid"]}, declared)
    with pytest.raises(access.SensitivityError,
                       match=r"dim_sales_rep\.base_monthly_salary is classified in bi_access but not in the marts"):
        access.classify({**marts, "dim_sales_rep": ["employee_id"]}, declared)
    with pytest.raises(access.SensitivityError, match=r"marts\.mart_new has no bi_access"):
        access.classify({**marts, "mart_new": ["x"]}, declared)


@pytest.mark.integration
def test_every_mart_and_view_arrives_as_a_table_with_its_rows(served: str, built_warehouse: BuiltWarehouse) -> None:
    expected = duck_counts(built_warehouse.warehouse)
    assert "mart_quarterly_evaluation_latest" in expected  # a view in DuckDB
    with psycopg.connect(served) as con:
        kinds = dict(con.execute(
            "select table_name, table_type from information_schema.tables where table_schema = 'marts'").fetchall())
        counts = {n: con.execute(f'select count(*) from marts."{n}"').fetchone()[0] for n in expected}
        marker = dict(con.execute("select table_name, row_count from marts.bi_publication").fetchall())
        schemas = {r[0] for r in con.execute("select nspname from pg_namespace where nspname like 'marts%'")}
    assert counts == expected
    assert {t: n for t, n in marker.items() if t != "dim_sales_rep_shared"} == expected
    assert 0 < marker["dim_sales_rep_shared"] <= expected["dim_sales_rep"]  # rep versions, salary-only merged
    assert set(kinds) == {*expected, "bi_publication", "dim_sales_rep_shared"}
    assert set(kinds.values()) == {"BASE TABLE"}
    assert schemas == {"marts"}  # no staging or previous schema left behind


@pytest.mark.integration
def test_money_stays_numeric_dates_stay_dates_and_values_are_exact(
    served: str, built_warehouse: BuiltWarehouse
) -> None:
    with psycopg.connect(served) as con:
        types = {(t, c): d for t, c, d in con.execute(
            "select table_name, column_name, format_type(atttypid, atttypmod) from information_schema.columns c"
            " join pg_attribute a on a.attrelid = format('marts.%I', c.table_name)::regclass"
            " and a.attname = c.column_name where c.table_schema = 'marts'").fetchall()}
        pg_total = con.execute(
            "select sum(amount), min(month), count(*) filter (where is_employed) from marts.mart_pay_statement"
        ).fetchone()
    duck = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    try:
        duck_types = dict(duck.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'mart_pay_statement'").fetchall())
        duck_total = duck.execute(
            "select sum(amount), min(month), count(*) filter (where is_employed) from marts.mart_pay_statement"
        ).fetchone()
    finally:
        duck.close()
    assert duck_types["amount"].startswith("DECIMAL(")
    assert types[("mart_pay_statement", "amount")] == duck_types["amount"].lower().replace("decimal", "numeric")
    assert types[("mart_pay_statement", "month")] == "date"
    assert types[("mart_pay_statement", "is_employed")] == "boolean"
    assert types[("dim_sales_rep", "base_monthly_salary")] == "numeric(18,2)"
    assert pg_total == duck_total  # Decimal sum, date and boolean filter identical, not approximately


@pytest.mark.integration
def test_an_unmapped_type_publishes_nothing(served: str, built_warehouse: BuiltWarehouse, tmp_path: Path) -> None:
    broken = built_warehouse.copy_to(tmp_path).warehouse
    con = duckdb.connect(str(broken))
    con.execute("create table marts.mart_with_a_list as select 1 as id, ['a', 'b'] as tags")
    con.close()
    before = publication_id(served)
    with pytest.raises(UnmappedTypeError, match=r"marts\.mart_with_a_list\.tags"):
        publish_marts(broken, served)
    assert publication_id(served) == before


@pytest.mark.integration
@pytest.mark.slow
def test_a_bi_query_during_two_publications_never_sees_a_mix(
    postgres_url: str, built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    url = fresh_database(postgres_url, "bi_swap")
    old = built_warehouse.warehouse
    new = built_warehouse.copy_to(tmp_path).warehouse
    con = duckdb.connect(str(new))
    con.execute("delete from marts.mart_rep_monthly_kpis where month < (select max(month) from "
                "marts.mart_rep_monthly_kpis)")
    con.execute("delete from marts.dim_customer where account_id > (select min(account_id) from marts.dim_customer)")
    con.close()
    first = publish_marts(old, url)
    expected = {first.publication_id: _pair(first)}

    seen: list[tuple[str, int, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            with psycopg.connect(database_url(url, "bi_swap", access.BI_READER), autocommit=True) as reader:
                while not stop.is_set():
                    row = reader.execute(
                        "select (select min(publication_id::text) from marts.bi_publication),"
                        " (select count(*) from marts.mart_rep_monthly_kpis),"
                        " (select count(*) from marts.dim_customer)").fetchone()
                    seen.append((row[0], row[1], row[2]))
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for warehouse in (new, old):
            summary = publish_marts(warehouse, url)
            expected[summary.publication_id] = _pair(summary)
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert len(set(expected.values())) == 2, "the two warehouses must differ"
    mixed = [s for s in seen if expected.get(s[0]) != (s[1], s[2])]
    assert not mixed, mixed[:5]
    assert len({s[0] for s in seen}) >= 2, "the reader saw only one publication: the test proved nothing"


def _pair(summary) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    rows = {name: n for name, _, n in summary.tables}
    return rows["mart_rep_monthly_kpis"], rows["dim_customer"]


def _runs(warehouse: Path) -> list[tuple[str, str, bool]]:
    """(job, status, whether bi/postgres_marts materialized) of every run on the warehouse's persistent instance
    (the one `make dev` opens), oldest first."""
    import dagster as dg

    from dagster_project.assets.bi import BI_KEY
    from dagster_project.instance import dagster_home

    with dg.DagsterInstance.from_config(str(dagster_home(warehouse))) as instance:
        runs = []
        for run in reversed(instance.get_runs()):
            records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
            keys = {r.event_log_entry.dagster_event.asset_key for r in records.records}
            runs.append((run.job_name, run.status.value, BI_KEY in keys))
        return runs


@pytest.mark.integration
@pytest.mark.slow
def test_spm_serve_bi_is_a_run_of_its_job_and_publishes_after_a_good_build_and_not_after_a_failed_one(
    postgres_url: str, built_warehouse: BuiltWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`spm serve-bi` launches `serve_bi` on the persistent instance (the build, then the `bi/postgres_marts`
    asset); run again with nothing new it skips the build and launches `publish_bi` (the marts as they are); a
    failed build publishes nothing. The URL comes from SPM_BI_POSTGRES_URL with a password in it (the test server
    trusts local logins, so it is never checked): no file of the instance or the run logs holds it."""
    from dagster_project import cli

    for name in ("SPM_WAREHOUSE", "SPM_LANDING_DIR", "SPM_TIMEZONE"):  # the CLI exports its settings
        monkeypatch.setenv(name, os.environ.get(name, ""))
    url = fresh_database(postgres_url, "bi_job")
    secret = "pw-in-no-log-7f3a"
    monkeypatch.setenv("SPM_BI_POSTGRES_URL", conninfo.make_conninfo(url, password=secret))
    good = built_warehouse.copy_to(tmp_path / "good")
    argv = ["serve-bi", "--landing", str(good.landing), "--warehouse", str(good.warehouse)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "OK in " in out and f"Published {len(duck_counts(good.warehouse)) + 1} tables" in out
    published = publication_id(url)
    assert _runs(good.warehouse) == [("serve_bi", "SUCCESS", True)]

    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "Nothing changed since the last successful run" in out and "Published " in out
    assert publication_id(url) != published  # published again, as it is
    assert _runs(good.warehouse) == [("serve_bi", "SUCCESS", True), ("publish_bi", "SUCCESS", True)]
    published = publication_id(url)
    kept = [p for p in good.warehouse.parent.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert kept == []

    # A missing FX rate fails the build, by the name of the check (never a silent rate of 1.0). This build is the
    # suite's test of that rule too: test_pipeline used to build the same broken landing once more for it.
    broken = tmp_path / "landing"
    shutil.copytree(built_warehouse.landing, broken)
    fx = next((broken / "finance" / "fx_rate").glob("*.csv"))
    lines = fx.read_text().splitlines()
    kept = [line for line in lines if not line.startswith("2025-03,USD")]
    assert len(kept) == len(lines) - 1
    fx.write_text("\n".join(kept) + "\n")
    bad = tmp_path / "broken" / "warehouse.duckdb"
    assert cli.main(["serve-bi", "--landing", str(broken), "--warehouse", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "the warehouse build failed: nothing published, BI keeps the previous marts" in err
    assert "fx_rate_exists_for_every" in err, err[-3000:]
    assert _runs(bad) == [("serve_bi", "FAILURE", False)]
    assert publication_id(url) == published


@pytest.mark.unit
def test_serve_bi_has_help_and_needs_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster_project import cli

    for name in ("SPM_WAREHOUSE", "SPM_LANDING_DIR", "SPM_TIMEZONE"):  # the CLI exports its settings
        monkeypatch.setenv(name, os.environ.get(name, ""))

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve-bi", "--help"])
    assert exit_info.value.code == 0
    assert "SPM_BI_POSTGRES_URL" in capsys.readouterr().out
    monkeypatch.delenv("SPM_BI_POSTGRES_URL", raising=False)
    assert cli.main(["serve-bi", "--no-build", "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert "pass --url or set SPM_BI_POSTGRES_URL" in capsys.readouterr().err


@pytest.mark.integration
def test_spm_serve_bi_publishes_a_built_warehouse_and_prints_a_summary(
    served: str, built_warehouse: BuiltWarehouse, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster_project import cli

    for name in ("SPM_WAREHOUSE", "SPM_LANDING_DIR", "SPM_TIMEZONE"):  # the CLI exports its settings
        monkeypatch.setenv(name, os.environ.get(name, ""))

    before = publication_id(served)
    status = cli.main(["serve-bi", "--no-build", "--url", served, "--warehouse", str(built_warehouse.warehouse)])
    out = capsys.readouterr().out
    assert status == 0
    counts = duck_counts(built_warehouse.warehouse)
    shared = int(out.split("dim_sales_rep_shared")[1].split()[0])  # the reader's rep versions (bi/access.py)
    total = sum(counts.values()) + shared
    assert f"Published {len(counts) + 1} tables, {total:,} rows to schema marts of user=spm_publisher " in out
    assert f"mart_pay_statement{'':>18} {counts['mart_pay_statement']:>10,} rows" in out
    assert publication_id(served) != before
    assert _runs(built_warehouse.warehouse)[-1] == ("publish_bi", "SUCCESS", True)  # a run `make dev` lists
