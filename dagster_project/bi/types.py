"""DuckDB column types -> PostgreSQL column types, mapped explicitly.

Why explicit: BI tools format and aggregate by column type, so money must stay `numeric(p,s)` (never float), dates
stay `date` and flags stay `boolean`. A type not listed here stops the publication with the table and column named,
instead of arriving as text nobody notices.
"""

from __future__ import annotations

import re

_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")

#: DuckDB `information_schema.columns.data_type` -> PostgreSQL type.
_SCALAR_TYPES: dict[str, str] = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(38,0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "BLOB": "bytea",
}


class UnmappedTypeError(ValueError):
    """A DuckDB column type with no PostgreSQL mapping: the publication stops before anything is written."""


def postgres_type(duckdb_type: str, where: str) -> str:
    """The PostgreSQL type for a DuckDB type; `where` (schema.table.column) names the column in the error."""
    normalized = " ".join(duckdb_type.upper().split())
    decimal = _DECIMAL.match(normalized)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)})"
    try:
        return _SCALAR_TYPES[normalized]
    except KeyError:
        raise UnmappedTypeError(
            f"{where}: DuckDB type {duckdb_type} has no PostgreSQL mapping in dagster_project/bi/types.py "
            "(add one, or cast the column in its dbt model)"
        ) from None
