"""The published-table contract is the project's own (contract/published_marts.json), and so is every reference.

A user's clone has nothing beside it: the contract check, its data and the reference docs live in the repository.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import BuiltWarehouse

from dagster_project import cli
from dagster_project.contract import CONTRACT_FILE, check_warehouse, load_contract, type_family

REPO = Path(__file__).resolve().parent.parent
PUBLISHED = [
    "dim_sales_rep", "dim_customer", "fct_bookings", "fct_invoices", "fct_payments", "mart_rep_monthly_kpis",
    "mart_team_monthly_kpis", "mart_company_monthly_kpis", "mart_customer_retention", "mart_collection_rate",
    "mart_ar_aging",
    "mart_sales_funnel", "mart_customer_satisfaction", "mart_quarterly_evaluation", "mart_annual_evaluation",
    "mart_awards", "mart_pay_statement", "audit_payout_lineage",
]
# The specification folder and its tools live outside the repository; a user's clone has neither. (The pattern's
# own text cannot match itself: each alternative needs a character its source spells with a backslash or bracket.)
OUTSIDE_REFERENCE = re.compile(r"\.\./shared|shared/(spec|tools)|\bspec/[a-z_]+\.(md|json)|contract_check\.py")
# Never searched: generated or installed, not the project's own text.
UNSEARCHED_DIRS = {".git", ".venv", "target", "dbt_packages", "logs", "data", "__pycache__", ".pytest_cache"}


def test_contract_lists_every_published_mart_with_the_types_the_models_declare() -> None:
    contract = load_contract()
    assert list(contract) == PUBLISHED
    declared: dict[str, dict[str, str]] = {}
    for path in (REPO / "dbt" / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            declared[model["name"]] = {c["name"]: c.get("data_type", "") for c in model.get("columns", [])}
    differences = [
        f"{table}.{column}: contract {family}, model {declared.get(table, {}).get(column, 'absent')}"
        for table, columns in contract.items()
        for column, family in columns.items()
        if type_family(declared.get(table, {}).get(column, "absent")) != family
    ]
    assert differences == []
    assert sum(len(columns) for columns in contract.values()) == 193  # 181 + mart_company_monthly_kpis (issue 24)


@pytest.mark.integration
def test_published_tables_meet_the_contract(
    built_warehouse: BuiltWarehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["check-contract", str(built_warehouse.warehouse)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.strip() == "contract: 17/17 tables complete"


@pytest.mark.integration
def test_a_broken_warehouse_fails_naming_each_table_and_column(
    built_warehouse: BuiltWarehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = built_warehouse.copy_to(tmp_path).warehouse
    con = duckdb.connect(str(broken))
    try:
        con.execute("drop table marts.mart_sales_funnel")
        con.execute("alter table marts.fct_payments drop column amount_reporting")
        con.execute(
            "create or replace table marts.mart_ar_aging as "
            "select * replace (cast(days_past_due as varchar) as days_past_due) from marts.mart_ar_aging"
        )
    finally:
        con.close()

    result = check_warehouse(broken)
    assert not result.ok
    assert result.problems == (
        "fct_payments: missing columns amount_reporting",
        "mart_ar_aging: mistyped columns days_past_due is VARCHAR (text), expected integer",
        "mart_sales_funnel: missing table",
    )

    code = cli.main(["check-contract", str(broken), "fct_payments", "dim_customer", "not_a_mart"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines() == [
        "fct_payments: missing columns amount_reporting",
        f"not_a_mart: not in the contract ({CONTRACT_FILE.name})",
        "contract: 1/3 tables complete",
    ]


def test_no_project_file_names_a_folder_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in _project_files()
        for number, line in enumerate(_text(path).splitlines(), start=1)
        if OUTSIDE_REFERENCE.search(line)
    ]
    assert found == []


def _project_files() -> list[Path]:
    """The tracked files when this is a git checkout (what a clone gets), else every file outside build output."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=False)
    if listed.returncode == 0 and listed.stdout:
        return [REPO / name for name in listed.stdout.decode().split("\0") if name and (REPO / name).is_file()]
    return [
        p for p in REPO.rglob("*")
        if p.is_file() and not UNSEARCHED_DIRS.intersection(p.relative_to(REPO).parts)
    ]


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""
