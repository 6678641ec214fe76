"""The published-table contract (``contract/published_marts.json``) and the check of a warehouse against it.

BI users, the evaluation run and auditors read the marts by name; a renamed column or a rate that turned into text
breaks them silently. dbt's enforced model contracts guard each model as it is built; this check guards the other
side: the warehouse a user actually has, after any build, holds every published table with every promised column
of the promised type family. Precision is left to the models (money may widen from DECIMAL(18, 2) to
DECIMAL(38, 2) without breaking a reader), so types are compared by family.

    spm check-contract data/warehouse.duckdb              every table of the contract
    python -m dagster_project.contract WAREHOUSE [TABLE ...]
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
from dagster_project.settings import REPO_ROOT

CONTRACT_FILE = REPO_ROOT / "contract" / "published_marts.json"
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
    parser.add_argument("warehouse", type=Path, help="the DuckDB file to check, like data/warehouse.duckdb")
    parser.add_argument("tables", nargs="*", help="published tables to check (default: every table of the contract)")


def run(args: argparse.Namespace) -> int:
    """Print the problems and the tally; 0 when every checked table is complete, 1 otherwise."""
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
