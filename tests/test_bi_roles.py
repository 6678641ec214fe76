"""Least privilege on the served marts: each role connects and is refused what it must not read."""

from __future__ import annotations

import duckdb
import psycopg
import pytest

from dagster_project.bi import access
from dagster_project.bi.serve import publish_marts
from tests.conftest import BuiltWarehouse
from tests.test_bi_serve import as_dba, database_url, fresh_database

DB = "bi_roles"


@pytest.fixture(scope="module")
def served(postgres_url: str, built_warehouse: BuiltWarehouse) -> str:
    url = fresh_database(postgres_url, DB)
    publish_marts(built_warehouse.warehouse, url)
    return url


def connect_as(url: str, role: str) -> psycopg.Connection:
    return psycopg.connect(database_url(url, DB, role), autocommit=True)


def refused(url: str, role: str, query: str) -> str:
    with connect_as(url, role) as con, pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
        con.execute(query)
    assert "permission denied" in str(caught.value)
    return str(caught.value)


@pytest.mark.integration
def test_bi_reader_reads_kpis_but_no_pay_table_and_no_salary_column(served: str) -> None:
    with connect_as(served, access.BI_READER) as con:
        for table in ("mart_rep_monthly_kpis", "dim_customer", "mart_sales_funnel", "mart_quarterly_evaluation_latest",
                      "mart_annual_evaluation", "bi_publication"):
            assert con.execute(f"select count(*) from marts.{table}").fetchone()[0] > 0, table
        assert con.execute("select count(distinct employee_id), count(team_id) from marts.dim_sales_rep_shared"
                           ).fetchone()[0]
    assert "mart_pay_statement" in refused(served, access.BI_READER, "select * from marts.mart_pay_statement")
    lineage = refused(served, access.BI_READER, "select count(*) from marts.audit_payout_lineage")
    assert "audit_payout_lineage" in lineage
    refused(served, access.BI_READER, "select base_monthly_salary from marts.dim_sales_rep")
    refused(served, access.BI_READER, "select * from marts.dim_sales_rep")
    refused(served, access.BI_READER, "select sum(base_monthly_salary) from marts.dim_sales_rep")


@pytest.mark.integration
def test_payroll_reads_statements_and_lineage_only(served: str, built_warehouse: BuiltWarehouse) -> None:
    duck = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    expected = [duck.execute(f"select count(*) from marts.{t}").fetchone()[0]
                for t in ("mart_pay_statement", "audit_payout_lineage")]
    duck.close()
    with connect_as(served, access.PAYROLL) as con:
        got = [con.execute(f"select count(*) from marts.{t}").fetchone()[0]
               for t in ("mart_pay_statement", "audit_payout_lineage")]
    assert got == expected and expected[0] > 0  # every statement row: row-level security lets payroll see all
    refused(served, access.PAYROLL, "select count(*) from marts.mart_rep_monthly_kpis")
    refused(served, access.PAYROLL, "select * from marts.dim_sales_rep")


@pytest.mark.integration
def test_auditor_reads_everything_and_writes_nothing(served: str) -> None:
    with connect_as(served, access.AUDITOR) as con:
        salary = con.execute("select sum(base_monthly_salary) from marts.dim_sales_rep").fetchone()[0]
        statements = con.execute("select count(distinct employee_id) from marts.mart_pay_statement").fetchone()[0]
    assert salary > 0 and statements > 1
    refused(served, access.AUDITOR, "update marts.dim_sales_rep set base_monthly_salary = 0")
    refused(served, access.AUDITOR, "delete from marts.mart_pay_statement")
    refused(served, access.AUDITOR, "create table marts.scratch (x int)")
    refused(served, access.AUDITOR, "select * from spm_security.rep_logins")


@pytest.mark.integration
def test_a_reps_login_sees_only_its_own_statement_rows(served: str, built_warehouse: BuiltWarehouse) -> None:
    duck = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    (employee, rows), (other, _) = duck.execute(
        "select employee_id, count(*) from marts.mart_pay_statement group by 1 order by 1 limit 2").fetchall()
    duck.close()
    with psycopg.connect(as_dba(served), autocommit=True) as admin:  # what a company does once per rep (docs/bi.md)
        for login in ("rep_login_one", "rep_login_unmapped"):
            admin.execute(f"drop role if exists {login}")
            admin.execute(f"create role {login} login in role spm_rep")
        admin.execute("insert into spm_security.rep_logins values ('rep_login_one', %s)", [employee])
    with connect_as(served, "rep_login_one") as con:
        seen = con.execute("select employee_id, count(*) from marts.mart_pay_statement group by 1").fetchall()
        asked_for_other = con.execute(
            "select count(*) from marts.mart_pay_statement where employee_id = %s", [other]).fetchone()[0]
    assert seen == [(employee, rows)]
    assert asked_for_other == 0
    with connect_as(served, "rep_login_unmapped") as con:
        assert con.execute("select count(*) from marts.mart_pay_statement").fetchone()[0] == 0
    refused(served, "rep_login_one", "select * from spm_security.rep_logins")
    refused(served, "rep_login_one", "select count(*) from marts.audit_payout_lineage")
    refused(served, "rep_login_one", "select base_monthly_salary from marts.dim_sales_rep")


@pytest.mark.integration
def test_republishing_keeps_roles_rep_logins_and_grants(served: str, built_warehouse: BuiltWarehouse) -> None:
    with psycopg.connect(as_dba(served), autocommit=True) as admin:
        admin.execute("drop role if exists rep_login_two")
        admin.execute("create role rep_login_two login in role spm_rep")
        employee = admin.execute("select min(employee_id) from marts.mart_pay_statement").fetchone()[0]
        admin.execute("insert into spm_security.rep_logins values ('rep_login_two', %s) on conflict do nothing",
                      [employee])
    publish_marts(built_warehouse.warehouse, served)  # roles exist now: created only when missing
    with connect_as(served, "rep_login_two") as con:
        assert {r[0] for r in con.execute("select employee_id from marts.mart_pay_statement")} == {employee}
    refused(served, access.BI_READER, "select base_monthly_salary from marts.dim_sales_rep")
