"""The published-table contract (``contract/published_marts.json``) and the check of a warehouse against it.

BI users, the evaluation run and auditors read the marts by name; a renamed column or a rate that turned into text
breaks them silently. dbt's enforced model contracts guard each model as it is built; this check guards the other
side: the warehouse a user actually has, after any build, holds every published table with every promised column
of the promised type family. Precision is left to the models (money may widen from DECIMAL(18, 2) to
DECIMAL(38, 2) without breaking a reader), so types are compared by family.

    spm check-contract data/warehouse.duckdb              every table of the contract
    spm check-contract --write                            regenerate the file from the dbt manifest
    python -m dagster_project.contract WAREHOUSE [TABLE ...]

The file is generated, never edited by hand: every model of the marts layer whose columns all declare a
``data_type`` (the enforced contracts, and the grading views that declare theirs) with every declared column, by
type family. So a column added to a mart's yml is promised the moment the file is regenerated (``make contract``
or ``spm check-contract --write``, after ``dbt parse``), and tests/test_contract.py fails while the committed file
and the manifest disagree.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project import db
from dagster_project.settings import DBT_PROJECT_DIR, REPO_ROOT

CONTRACT_FILE = REPO_ROOT / "contract" / "published_marts.json"
MANIFEST_FILE = DBT_PROJECT_DIR / "target" / "manifest.json"
ABOUT = (
    "Generated from the dbt manifest by `spm check-contract --write` (dagster_project/contract.py); do not edit. "
    "The published tables (every marts-layer model whose columns declare their data types) and every column BI "
    "users, the evaluation run and auditors may rely on, with its type family (text, date, boolean, integer, "
    "decimal, double; precision is the models' own business). month = first day of the month (DATE); quarter = "
    "text 'YYYYQn'; year = integer. Checked by `spm check-contract`."
)
PREFERRED_SCHEMA = "marts"

# DuckDB type name (without precision) -> the family the contract names.
_FAMILIES = {
    "VARCHAR": "text",
    "DATE": "date",
    "BOOLEAN": "boolean",
    "TINYINT": "integer",
    "SMALLINT": "integer",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "HUGEINT": "integer",
    "DECIMAL": "decimal",
    "DOUBLE": "double",
    "DOUBLE PRECISION": "double",  # the spelling the dbt contracts use (valid on DuckDB and PostgreSQL)
    "FLOAT": "double",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}


@dataclass(frozen=True)
class ContractResult:
    """What a check found: one line per problem, and how many of the checked tables are complete."""

    checked: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self) -> str:
        broken = {p.split(":", 1)[0] for p in self.problems}
        lines = [*self.problems, f"contract: {len(self.checked) - len(broken)}/{len(self.checked)} tables complete"]
        return "\n".join(lines)


def load_contract(path: Path = CONTRACT_FILE) -> dict[str, dict[str, str]]:
    """Table -> column -> type family, as the contract file states it."""
    return json.loads(path.read_text(encoding="utf-8"))["tables"]


def contract_from_manifest(manifest: dict) -> dict[str, dict[str, str]]:
    """Table -> column -> type family of every marts-layer model whose columns all declare a data type, in the
    order of the manifest's file paths and the yml's columns (so the generated file diffs cleanly)."""
    models = sorted(
        (node for node in manifest["nodes"].values()
         if node["resource_type"] == "model" and node["fqn"][1:2] == ["marts"]),
        key=lambda node: (node["original_file_path"], node["name"]),
    )
    tables: dict[str, dict[str, str]] = {}
    for node in models:
        columns = node["columns"].values()
        if columns and all(column.get("data_type") for column in columns):
            tables[node["name"]] = {column["name"]: type_family(column["data_type"]) for column in columns}
    return tables


def render_contract(tables: dict[str, dict[str, str]]) -> str:
    """The file's text: one form, so the committed file and a regenerated one compare byte for byte."""
    return json.dumps({"_about": ABOUT, "tables": tables}, indent=1, ensure_ascii=False) + "\n"


def write_contract(manifest_file: Path = MANIFEST_FILE, path: Path = CONTRACT_FILE) -> dict[str, dict[str, str]]:
    """Regenerate the contract file from a parsed dbt project; a missing manifest names the command that makes it."""
    if not manifest_file.exists():
        raise FileNotFoundError(f"{manifest_file} is missing: run `make dbt/target/manifest.json` (dbt parse) first")
    tables = contract_from_manifest(json.loads(manifest_file.read_text(encoding="utf-8")))
    path.write_text(render_contract(tables), encoding="utf-8")
    return tables


def type_family(duckdb_type: str) -> str:
    """``DECIMAL(38,8)`` -> ``decimal``; an unknown type keeps its own name so a mismatch reads plainly."""
    base = re.sub(r"\(.*\)$", "", duckdb_type.strip()).upper()
    return _FAMILIES.get(base, base.lower())


def check_warehouse(
    warehouse: Path, tables: Sequence[str] | None = None, contract: dict[str, dict[str, str]] | None = None
) -> ContractResult:
    """Compare the warehouse with the contract; each table is looked up in ``marts`` first, then any schema."""
    contract = load_contract() if contract is None else contract
    names = tuple(tables or contract)
    problems: list[str] = []
    with db.connect(warehouse) as con:
        for table in names:
            if table not in contract:
                problems.append(f"{table}: not in the contract ({CONTRACT_FILE.name})")
                continue
            have = _columns(con, table)
            if not have:
                problems.append(f"{table}: missing table")
                continue
            missing = [c for c in contract[table] if c not in have]
            if missing:
                problems.append(f"{table}: missing columns {', '.join(missing)}")
            mistyped = [
                f"{c} is {have[c]} ({type_family(have[c])}), expected {family}"
                for c, family in contract[table].items()
                if c in have and type_family(have[c]) != family
            ]
            if mistyped:
                problems.append(f"{table}: mistyped columns {'; '.join(mistyped)}")
    return ContractResult(names, tuple(problems))


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns where table_name = $t and table_schema = "
        "(select table_schema from information_schema.tables where table_name = $t "
        "order by table_schema <> $preferred, table_schema limit 1) order by ordinal_position",
        {"t": table, "preferred": PREFERRED_SCHEMA},
    ).fetchall()
    return dict(rows)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``spm check-contract`` and of ``python -m dagster_project.contract``."""
    parser.add_argument("warehouse", type=Path, nargs="?", help="the DuckDB file to check, like data/warehouse.duckdb")
    parser.add_argument("--write", action="store_true",
                        help=f"regenerate {CONTRACT_FILE.name} from the dbt manifest (dbt/target/manifest.json)")
    parser.add_argument("tables", nargs="*", help="published tables to check (default: every table of the contract)")


def run(args: argparse.Namespace) -> int:
    """Print the problems and the tally; 0 when every checked table is complete, 1 otherwise. With --write,
    regenerate the contract file first (and check the warehouse too when one is named)."""
    if args.write:
        try:
            tables = write_contract()
        except FileNotFoundError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"wrote {CONTRACT_FILE.relative_to(REPO_ROOT)}: {len(tables)} tables, "
              f"{sum(len(c) for c in tables.values())} columns")
        if args.warehouse is None:
            return 0
    if args.warehouse is None:
        print("name a warehouse to check (like data/warehouse.duckdb), or --write", file=sys.stderr)
        return 2
    try:
        result = check_warehouse(args.warehouse, args.tables)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    print(result.report())
    return 0 if result.ok else 1


DESCRIPTION = (
    "Check that a warehouse holds every published table of contract/published_marts.json with every promised "
    "column, of the promised type family (text, date, boolean, integer, decimal, double). Exits 1 and names each "
    "missing table, missing column and mistyped column otherwise."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dagster_project.contract", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
