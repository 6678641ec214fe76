"""The published-table contract is the project's own (contract/published_marts.json), and so is every reference.

A user's clone has nothing beside it: the contract check, its data and the reference docs live in the repository.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import BuiltWarehouse

from dagster_project import cli
from dagster_project.contract import (
    CONTRACT_FILE,
    check_warehouse,
    contract_from_manifest,
    load_contract,
    render_contract,
    write_contract,
)
from dagster_project.dbt_project import DBT_EXECUTABLE
from dagster_project.settings import DBT_PROJECT_DIR

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


@pytest.fixture(scope="module")
def fresh_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A `dbt parse` of the project as it is now, into its own target folder (no race with a dbt run elsewhere)."""
    target = tmp_path_factory.mktemp("contract_target")
    subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR, check=True, capture_output=True,
    )
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def test_the_committed_contract_is_the_one_the_manifest_generates(fresh_manifest: dict) -> None:
    """contract/published_marts.json is generated (`spm check-contract --write`), never hand-kept: a column added to
    or retyped in a mart's yml must be regenerated into it, and this fails until it is."""
    assert CONTRACT_FILE.read_text(encoding="utf-8") == render_contract(contract_from_manifest(fresh_manifest))


def test_the_contract_keeps_every_table_and_column_it_ever_promised() -> None:
    """Generation may add tables and columns, never drop one BI users were promised (the 17 hand-kept tables and
    181 columns of the contract before it was generated, with their type families)."""
    contract = load_contract()
    assert [t for t in PUBLISHED if t not in contract] == []
    assert sum(len(contract[t]) for t in PUBLISHED) >= 181
    for table, column, family in [("fct_bookings", "amount_reporting", "decimal"), ("mart_rep_monthly_kpis",
                                  "month", "date"), ("mart_quarterly_evaluation", "quarter", "text"),
                                  ("mart_annual_evaluation", "year", "integer"), ("mart_pay_statement",
                                  "amount", "decimal"), ("mart_rep_monthly_kpis", "attainment", "double")]:
        assert contract[table][column] == family


def test_generation_takes_marts_whose_columns_declare_types_and_nothing_else() -> None:
    def node(name: str, folder: str, columns: dict[str, str]) -> dict:
        return {"resource_type": "model", "name": name, "fqn": ["sales_performance", folder, name],
                "original_file_path": f"models/{folder}/{name}.sql",
                "columns": {c: {"name": c, "data_type": t} for c, t in columns.items()}}

    manifest = {"nodes": {
        "a": node("mart_b", "marts", {"month": "date", "bookings": "decimal(38, 8)", "rate": "double precision"}),
        "b": node("mart_a", "marts", {"employee_id": "varchar", "n": "bigint"}),
        "c": node("int_x", "intermediate", {"x": "varchar"}),
        "d": node("mart_untyped", "marts", {"x": "varchar", "y": ""}),
        "e": {**node("mart_a_test", "marts", {}), "resource_type": "unit_test"},
    }}
    assert contract_from_manifest(manifest) == {
        "mart_a": {"employee_id": "text", "n": "integer"},
        "mart_b": {"month": "date", "bookings": "decimal", "rate": "double"},
    }


def test_write_without_a_manifest_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"make dbt/target/manifest.json"):
        write_contract(tmp_path / "manifest.json", tmp_path / "contract.json")
    assert not (tmp_path / "contract.json").exists()


@pytest.mark.integration
def test_published_tables_meet_the_contract(
    built_warehouse: BuiltWarehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["check-contract", str(built_warehouse.warehouse)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.strip() == f"contract: {len(load_contract())}/{len(load_contract())} tables complete"


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
