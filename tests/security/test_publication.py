"""Issue #23, rows 1-3 and 6-11 replayed on a real PostgreSQL 15 set up as docs/security.md says: a DBA ran
`setup_sql` once and the publisher has no CREATEROLE. Each test is an attack that got through before."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import duckdb
import psycopg
import pytest

from dagster_project.bi import access
from dagster_project.bi.serve import PublicationBlocked, publish_marts
from dagster_project.settings import DBT_PROJECT_DIR
from tests.conftest import BuiltWarehouse
from tests.test_bi_serve import as_dba, database_url, fresh_database

DB = "security_publication"
MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


@pytest.fixture(scope="module")
def served(postgres_url: str, built_warehouse: BuiltWarehouse) -> str:
    url = fresh_database(postgres_url, DB)
    publish_marts(built_warehouse.warehouse, url)
    return url


def connect_as(url: str, role: str) -> psycopg.Connection:
    return psycopg.connect(database_url(url, DB, role), autocommit=True)


def _manifest_with(tmp_path: Path, model: str, klass: str, column: str) -> Path:
    manifest = json.loads(MANIFEST.read_text())
    node = manifest["nodes"][f"model.sales_performance.{model}"]
    node["config"]["meta"]["bi_access"].setdefault(klass, []).append(column)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


@pytest.mark.integration
@pytest.mark.parametrize("column", ["total_pay", "variable_pay", "incentive_cny", "earnings", "monthly_pay", "奖金"])
def test_row_01_a_new_column_without_classification_stops_the_publication(
    served: str, built_warehouse: BuiltWarehouse, tmp_path: Path, column: str
) -> None:
    copy = built_warehouse.copy_to(tmp_path).warehouse
    con = duckdb.connect(str(copy))
    con.execute(f'alter table marts.mart_rep_monthly_kpis add column "{column}" decimal(18, 2)')
    con.close()
    before = _publication(served)
    with pytest.raises(access.SensitivityError, match=rf"marts\.mart_rep_monthly_kpis\.{column} is not classified"):
        publish_marts(copy, served)
    assert _publication(served) == before
    # classified as pay, the mart is published, but to the auditor only: the BI reader loses it rather than read pay
    if column == "total_pay":
        publish_marts(copy, served, manifest=_manifest_with(tmp_path, "mart_rep_monthly_kpis", "pay", column))
        with connect_as(served, access.BI_READER) as con, pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("select total_pay from marts.mart_rep_monthly_kpis")
        with connect_as(served, access.AUDITOR) as con:
            assert con.execute("select count(total_pay) from marts.mart_rep_monthly_kpis").fetchone() == (0,)
        publish_marts(built_warehouse.warehouse, served)  # back to the session warehouse for the other tests
        with connect_as(served, access.BI_READER) as con:
            assert con.execute("select count(*) from marts.mart_rep_monthly_kpis").fetchone()[0] > 0


@pytest.mark.unit
def test_row_01_every_published_column_of_every_mart_is_classified_once() -> None:
    manifest = json.loads(MANIFEST.read_text())
    marts = {n["name"]: n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["config"].get("schema") == "marts"}
    assert len(marts) >= 25
    for name, node in marts.items():
        declared = node["config"]["meta"]["bi_access"]
        listed = [c for klass in (access.SHARED, access.PAY) for c in declared.get(klass, [])]
        assert set(declared) <= {access.SHARED, access.PAY}, name
        assert sorted(listed) == sorted(node["columns"]), name  # every column once, none stale
    assert marts["dim_sales_rep"]["config"]["meta"]["bi_access"]["pay"] == ["base_monthly_salary"]
    assert set(marts["mart_pay_statement"]["config"]["meta"]["bi_access"]) == {access.PAY}
    assert set(marts["audit_payout_lineage"]["config"]["meta"]["bi_access"]) == {access.PAY}


@pytest.mark.integration
def test_row_12_a_nul_that_reached_the_marts_anyway_names_the_table(
    served: str, built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    copy = built_warehouse.copy_to(tmp_path).warehouse
    con = duckdb.connect(str(copy))
    con.execute("update marts.dim_customer set account_name = 'A' || chr(0) || 'B'"
                " where account_id = (select min(account_id) from marts.dim_customer)")
    con.close()
    before = _publication(served)
    with pytest.raises(ValueError, match=r"marts\.dim_customer: PostgreSQL refused a value in rows 1-10,000"):
        publish_marts(copy, served)
    assert _publication(served) == before


@pytest.mark.integration
def test_row_02_the_reader_sees_rep_versions_without_salary_changes(
    served: str, built_warehouse: BuiltWarehouse
) -> None:
    duck = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    versions, employees = duck.execute(
        "select count(*), count(distinct employee_id) from marts.dim_sales_rep").fetchone()
    # a version boundary that changes nothing but salary (and the version's own bookkeeping)
    salary_only = duck.execute(
        "select count(*) from (select *, lag(hash(full_name, email, team_id, team_name, region, manager_employee_id,"
        " job_level, hire_date, termination_date, crm_user_id, currency)) over (partition by employee_id order by"
        " valid_from) as p, hash(full_name, email, team_id, team_name, region, manager_employee_id, job_level,"
        " hire_date, termination_date, crm_user_id, currency) as h from marts.dim_sales_rep) where p = h").fetchone()[0]
    duck.close()
    assert salary_only > 0, "the generated HR history must hold salary-only changes for this test to prove anything"
    with connect_as(served, access.BI_READER) as con:
        rows = con.execute("select count(*), count(distinct employee_id) from marts.dim_sales_rep_shared").fetchone()
        columns = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_name = 'dim_sales_rep_shared'")}
        gaps = con.execute(
            "select count(*) from (select valid_from, lag(valid_to) over (partition by employee_id order by"
            " valid_from) as prev from marts.dim_sales_rep_shared) s where prev is not null"
            " and valid_from <> prev + 1").fetchone()[0]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("select valid_from from marts.dim_sales_rep")
    assert rows == (versions - salary_only, employees)
    assert gaps == 0  # merged versions still cover each employee's history without holes
    assert not columns & {"base_monthly_salary", "version_no", "source_file", "source_sha256", "source_row"}


@pytest.mark.integration
def test_row_03_a_rep_resolves_only_its_own_employee_id(served: str, built_warehouse: BuiltWarehouse) -> None:
    duck = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    mine, other = [r[0] for r in duck.execute(
        "select distinct employee_id from marts.mart_pay_statement order by 1 limit 2").fetchall()]
    duck.close()
    with psycopg.connect(as_dba(served), autocommit=True) as dba:
        for login in ("sec_rep_a", "sec_rep_b"):
            dba.execute(f"drop role if exists {login}")
            dba.execute(f"create role {login} login in role spm_rep")
        dba.execute("insert into spm_security.rep_logins values ('sec_rep_a', %s), ('sec_rep_b', %s)"
                    " on conflict do nothing", [mine, other])
    with connect_as(served, "sec_rep_a") as con:
        assert con.execute("select spm_security.my_employee_id()").fetchone() == (mine,)
        assert {r[0] for r in con.execute("select employee_id from marts.mart_pay_statement")} == {mine}
        with pytest.raises(psycopg.errors.UndefinedFunction):  # the old lookup of any login is gone
            con.execute("select spm_security.employee_id_of('sec_rep_b')")
    with connect_as(served, "sec_rep_a") as con, pytest.raises(psycopg.errors.InsufficientPrivilege):
        con.execute("select * from spm_security.rep_logins")
    with psycopg.connect(as_dba(served)) as dba:
        forced = dict(dba.execute(
            "select relname, relforcerowsecurity from pg_class where relname in"
            " ('mart_pay_statement', 'audit_payout_lineage') and relnamespace = 'marts'::regnamespace").fetchall())
    assert forced == {"mart_pay_statement": True, "audit_payout_lineage": True}


@pytest.mark.integration
def test_row_06_the_publisher_holds_no_createrole_and_superuser_publishing_is_warned(
    served: str, built_warehouse: BuiltWarehouse
) -> None:
    with psycopg.connect(served) as con:
        me = con.execute("select current_user, rolsuper, rolcreaterole, rolcreatedb from pg_roles"
                         " where rolname = current_user").fetchone()
        assert access.excess_privileges(con) == []
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # the escalation of row 6
            con.execute("grant pg_execute_server_program to current_user")
    assert me == (access.PUBLISHER, False, False, False)
    warnings: list[str] = []
    publish_marts(built_warehouse.warehouse, as_dba(served), warn=warnings.append)
    assert len(warnings) == 1 and "SUPERUSER, CREATEROLE, CREATEDB, BYPASSRLS" in warnings[0], warnings
    quiet: list[str] = []
    publish_marts(built_warehouse.warehouse, served, warn=quiet.append)
    assert quiet == []


@pytest.mark.integration
def test_row_06_without_the_dbas_set_up_the_publisher_stops_and_says_what_is_missing(
    postgres_url: str, built_warehouse: BuiltWarehouse
) -> None:
    url = fresh_database(postgres_url, "security_no_setup")
    with psycopg.connect(as_dba(url), autocommit=True) as dba:
        dba.execute("drop function spm_security.my_employee_id()")
    with pytest.raises(access.SetupError, match=r"spm_security\.my_employee_id\(\).*--print-setup-sql"):
        publish_marts(built_warehouse.warehouse, url)


@pytest.mark.integration
def test_row_09_what_a_dba_made_on_the_served_schema_survives_a_republication(
    served: str, built_warehouse: BuiltWarehouse
) -> None:
    with psycopg.connect(as_dba(served), autocommit=True) as dba:
        dba.execute("drop role if exists sec_analyst")
        dba.execute("create role sec_analyst login")
        dba.execute("create view marts.dba_big_deals as select account_id from marts.dim_customer")
        dba.execute("grant usage on schema marts to sec_analyst")
        dba.execute("grant select on marts.dim_customer, marts.dba_big_deals to sec_analyst")
        dba.execute("revoke select on marts.mart_sales_funnel from spm_bi_reader")
        dba.execute("create index dba_customer_tier on marts.dim_customer (tier)")
        dba.execute("create table marts.dba_notes (note text)")
    publish_marts(built_warehouse.warehouse, served)
    with psycopg.connect(as_dba(served)) as dba:
        views = dba.execute("select count(*) from marts.dba_big_deals").fetchone()[0]
        index = dba.execute("select to_regclass('marts.dba_customer_tier') is not null").fetchone()[0]
        notes = dba.execute("select to_regclass('marts.dba_notes') is not null").fetchone()[0]
    assert views > 0 and index and notes
    with psycopg.connect(database_url(served, DB, "sec_analyst")) as analyst:
        assert analyst.execute("select count(*) from marts.dba_big_deals").fetchone()[0] == views
    with connect_as(served, access.BI_READER) as con, pytest.raises(psycopg.errors.InsufficientPrivilege):
        con.execute("select count(*) from marts.mart_sales_funnel")  # the revoke held
    with psycopg.connect(as_dba(served), autocommit=True) as dba:  # undo for the other tests
        dba.execute("grant select on marts.mart_sales_funnel to spm_bi_reader")


@pytest.mark.integration
def test_row_09_a_table_that_must_be_recreated_under_someones_view_stops_and_names_the_view(
    served: str, built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    copy = built_warehouse.copy_to(tmp_path).warehouse
    con = duckdb.connect(str(copy))
    con.execute("alter table marts.mart_customer_repurchase add column extra_note varchar")
    con.close()
    manifest = _manifest_with(tmp_path, "mart_customer_repurchase", "shared", "extra_note")
    with psycopg.connect(as_dba(served), autocommit=True) as dba:
        dba.execute("create or replace view marts.dba_repurchase as select * from marts.mart_customer_repurchase")
    before = _publication(served)
    with pytest.raises(PublicationBlocked, match=r"view marts\.dba_repurchase depends on table"):
        publish_marts(copy, served, manifest=manifest)
    assert _publication(served) == before
    with psycopg.connect(as_dba(served), autocommit=True) as dba:
        assert dba.execute("select to_regclass('marts.dba_repurchase') is not null").fetchone()[0]
        dba.execute("drop view marts.dba_repurchase")
    summary = publish_marts(copy, served, manifest=manifest)
    assert summary.replaced == ["mart_customer_repurchase"]
    publish_marts(built_warehouse.warehouse, served)


@pytest.mark.integration
@pytest.mark.parametrize("isolation", ["REPEATABLE READ", "SERIALIZABLE"])
def test_row_10_a_snapshot_older_than_the_publication_reads_the_old_marts_not_empty_ones(
    served: str, built_warehouse: BuiltWarehouse, isolation: str
) -> None:
    tables = ("mart_rep_monthly_kpis", "dim_customer", "mart_pay_statement", "bi_publication")
    with psycopg.connect(database_url(served, DB, access.AUDITOR)) as reader:
        reader.execute(f"set transaction isolation level {isolation}")
        old = [reader.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in tables]
        old_id = reader.execute("select min(publication_id::text) from marts.bi_publication").fetchone()[0]
        publish_marts(built_warehouse.warehouse, served)  # commits while the reader's snapshot is open
        again = [reader.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in tables]
        same_id = reader.execute("select min(publication_id::text) from marts.bi_publication").fetchone()[0]
    assert min(old) > 0
    assert again == old and same_id == old_id
    assert _publication(served) != old_id  # a new reader sees the new publication


@pytest.mark.integration
@pytest.mark.slow
def test_row_11_publications_racing_autovacuum_and_each_other_all_succeed_and_leave_nothing_behind(
    postgres_url: str, built_warehouse: BuiltWarehouse
) -> None:
    url = fresh_database(postgres_url, "security_race")
    publish_marts(built_warehouse.warehouse, url)
    with psycopg.connect(as_dba(url), autocommit=True) as dba:  # autovacuum as eager as it gets
        for table in ("mart_rep_monthly_kpis", "dim_customer", "audit_payout_lineage"):
            dba.execute(f"alter table marts.{table} set (autovacuum_vacuum_threshold = 0,"
                        " autovacuum_vacuum_scale_factor = 0, autovacuum_analyze_threshold = 0)")
    errors: list[BaseException] = []

    def publish_many() -> None:
        try:
            for _ in range(4):
                publish_marts(built_warehouse.warehouse, url)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    def vacuum_many() -> None:
        with psycopg.connect(as_dba(url), autocommit=True) as con:
            for _ in range(20):
                con.execute("vacuum analyze marts.mart_rep_monthly_kpis, marts.dim_customer")

    threads = [threading.Thread(target=publish_many) for _ in range(2)] + [threading.Thread(target=vacuum_many)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with psycopg.connect(as_dba(url)) as dba:
        schemas = {r[0] for r in dba.execute("select nspname from pg_namespace where nspname like 'marts%'")}
        ids = dba.execute("select count(distinct publication_id) from marts.bi_publication").fetchone()[0]
    assert schemas == {"marts"} and ids == 1


@pytest.mark.integration
def test_a_database_published_by_the_old_schema_swap_is_taken_over_with_fresh_grants(
    postgres_url: str, built_warehouse: BuiltWarehouse
) -> None:
    """Tables an older spm made (no signature, named in its marker) are re-created once; others' tables are not."""
    url = fresh_database(postgres_url, "security_upgrade")
    publish_marts(built_warehouse.warehouse, url)
    with psycopg.connect(as_dba(url), autocommit=True) as dba:
        tables = [r[0] for r in dba.execute("select tablename from pg_tables where schemaname = 'marts'")]
        for table in tables:
            dba.execute(f"comment on table marts.{table} is null")
        dba.execute("grant select on marts.mart_pay_statement to spm_bi_reader")  # an old, wrong grant
    summary = publish_marts(built_warehouse.warehouse, url)
    assert sorted(summary.replaced) == sorted(tables)
    with psycopg.connect(database_url(url, "security_upgrade", access.BI_READER)) as con, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        con.execute("select count(*) from marts.mart_pay_statement")
    with psycopg.connect(as_dba(url), autocommit=True) as dba:
        dba.execute("create table marts.not_ours (x int)")
        dba.execute("comment on table marts.not_ours is 'a DBA table'")
    publish_marts(built_warehouse.warehouse, url)  # a table of someone else's is left alone
    with psycopg.connect(as_dba(url)) as dba:
        assert dba.execute("select to_regclass('marts.not_ours') is not null").fetchone()[0]


def _publication(url: str) -> str:
    with psycopg.connect(url) as con:
        return str(con.execute("select min(publication_id::text) from marts.bi_publication").fetchone()[0])

