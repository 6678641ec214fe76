"""Shared reading of the pay marts: month parsing, read-only access, typed rows (DECIMAL stays Decimal)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

STATEMENT_TABLE = "marts.mart_pay_statement"
LINEAGE_TABLE = "marts.audit_payout_lineage"
LINES = (
    "base_salary",
    "base_performance_pay",
    "performance_bonus",
    "capability_bonus",
    "csat_bonus",
    "clawback",
    "total_pay",
)

_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-01)?$")


class StatementNotFoundError(LookupError):
    """No pay statement for the requested employee and/or month (the message names them)."""


def parse_month(month: str | date) -> date:
    """`2025-03`, `2025-03-01` or a date -> the first day of the month; anything else raises ValueError."""
    if isinstance(month, date):
        return month.replace(day=1)
    match = _MONTH.match(month.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"month must look like YYYY-MM (or YYYY-MM-01), got {month!r}")
    return date(int(match.group(1)), int(match.group(2)), 1)


@contextmanager
def read_only(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse, closed on exit; clear errors for a missing file or table."""
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise FileNotFoundError(f"warehouse {warehouse} does not exist: build it first with `spm run`")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        for table in (STATEMENT_TABLE, LINEAGE_TABLE):
            if table not in tables:
                raise FileNotFoundError(f"{warehouse} has no table {table}: build the pay marts first (`spm run`)")
        yield con
    finally:
        con.close()


def statement_sources(con: duckdb.DuckDBPyConnection, month: date) -> tuple[str, str, str]:
    """What to read for a month: its latest PUBLISHED version (statements and lineage frozen together) when the
    month has been published, else the current draft marts. Returns (statements, lineage, label) where the first
    two are SQL relations."""
    published = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema = 'publish'"
        ).fetchall()
    }
    if "publish.pay_publications" in published:
        sql = "select max(version) from publish.pay_publications where month = ?"
        version = con.execute(sql, [month]).fetchone()[0]
        if version is not None:
            return (
                f"(select * from publish.pay_statement_versions where version = {int(version)})",
                f"(select * from publish.payout_lineage_versions where version = {int(version)})",
                f"published version {int(version)}",
            )
    return STATEMENT_TABLE, LINEAGE_TABLE, "draft, not published"


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows as dicts with DuckDB's Python types (DECIMAL -> Decimal, DATE -> date)."""
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
