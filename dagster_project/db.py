"""How every module opens the warehouse file and names things in it: one connection helper, one quoter.

Why one place: DuckDB admits a single writer process and any open connection from another process blocks it
(docs/pitfalls.md 7), so every reader must open late, close early and say plainly when the file is missing. Written
once here, a rule about connections (a retry, a message) changes for the CLI reports, the pay tools, the dashboard,
the GX reads, the contract check, the BI copy and the engine loaders together. Only duckdb is imported, so light
commands (`spm explain-pay`, `spm check-contract`) stay light.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

LOCK_RETRY_SECONDS = 0.5

#: Every connection the project opens: DuckDB never loads or downloads an extension by itself. Autoloading
#: turns a file that is not DuckDB (a SQLite file named as the warehouse) into a download of the sqlite
#: extension over plain HTTP and code loaded into this process; the project needs no extension.
SAFE_CONFIG: dict[str, object] = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}
#: The first bytes of a DuckDB database file: an 8-byte checksum, then this magic.
_MAGIC_OFFSET, _MAGIC = 8, b"DUCK"


class NotAWarehouseError(ValueError):
    """The warehouse path is a folder, an empty file or a file of another format: nothing is opened."""


def check_warehouse_file(path: Path | str) -> None:
    """Refuse, in one line, a warehouse path that exists but is not a DuckDB database (a missing file is fine:
    a build creates it). Why before DuckDB sees it: DuckDB answers a CSV with a traceback and a SQLite file by
    trying to install an extension."""
    path = Path(path)
    if not path.exists():
        return
    fix = "point --warehouse / SPM_WAREHOUSE at a DuckDB file (or a path that does not exist yet)"
    if path.is_dir():
        raise NotAWarehouseError(f"warehouse {path} is a folder, not a DuckDB database: {fix}")
    with path.open("rb") as handle:
        head = handle.read(16)
    if not head:
        raise NotAWarehouseError(f"warehouse {path} is an empty file, not a DuckDB database: {fix}")
    if head[_MAGIC_OFFSET:_MAGIC_OFFSET + len(_MAGIC)] != _MAGIC:
        kind = "a SQLite database" if head.startswith(b"SQLite format") else "not a DuckDB database"
        raise NotAWarehouseError(f"warehouse {path} is {kind} (no DuckDB header): {fix}")


def memory() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the same extension settings as the warehouse's."""
    return duckdb.connect(":memory:", config=dict(SAFE_CONFIG))


def ident(name: str) -> str:
    """A quoted SQL identifier: source names are mixed case (`StageName`) and must keep their case, and a quote
    inside a name is doubled, so no name can smuggle SQL in."""
    return '"' + name.replace('"', '""') + '"'


def qualified(table: str) -> str:
    """`schema.table` (or a bare `table`) quoted part by part; an empty part is a ValueError, not SQL."""
    parts = table.split(".")
    if not all(parts):
        raise ValueError(f"not a table name: {table!r}")
    return ".".join(ident(part) for part in parts)


@contextmanager
def connect(
    warehouse: Path | str, *, read_only: bool = True, lock_attempts: int = 1
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection to the warehouse file, closed on exit so dbt can take the write lock afterwards.

    Read-only (the default) needs the file: a missing one is a FileNotFoundError that says to build first, rather
    than DuckDB's IO error. A writer creates the file and its folder. `lock_attempts` > 1 retries every
    LOCK_RETRY_SECONDS while another process (a dbt child releasing its lock after a failed step) still holds it;
    the last failure is raised, never swallowed.
    """
    path = Path(warehouse)
    check_warehouse_file(path)
    if read_only and not path.is_file():
        raise FileNotFoundError(f"warehouse {path} does not exist: build it first with `spm run`")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only, max(1, lock_attempts))
    try:
        yield con
    finally:
        con.close()


def _open(path: Path, read_only: bool, attempts: int) -> duckdb.DuckDBPyConnection:
    for attempt in range(1, attempts + 1):
        try:
            return duckdb.connect(str(path), read_only=read_only, config=dict(SAFE_CONFIG))
        except duckdb.IOException:
            if attempt == attempts:
                raise
            time.sleep(LOCK_RETRY_SECONDS)
    raise AssertionError("unreachable: the loop returns or raises")


def tables_in(con: duckdb.DuckDBPyConnection, schema: str | None = None) -> set[str]:
    """`schema.table` names present (of one schema, or all): how a reader checks what a build left behind."""
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where ?::varchar is null or table_schema = ?::varchar",
        [schema, schema],
    ).fetchall()
    return {f"{s}.{t}" for s, t in rows}


def content_digests(
    con: duckdb.DuckDBPyConnection, schemas: Sequence[str], skip_columns: Collection[str] = ()
) -> dict[str, str]:
    """`rows:hash-sum` per table and view of `schemas`, keyed `schema.table`: equal digests = equal contents,
    whatever the row order. `skip_columns` leaves out columns that may legitimately differ between two warehouses
    built from the same files along different paths (loaded_at: when a row was ingested, a full build and an
    incremental one do that at different times). Why here: the incremental test and the benchmark's monthly step
    make the same comparison, and it must be the same comparison."""
    out = {}
    for schema in schemas:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
        ).fetchall()
        for (table,) in tables:
            columns = con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "order by ordinal_position",
                [schema, table],
            ).fetchall()
            row = ", ".join(ident(c) for (c,) in columns if c not in skip_columns)
            digest = f"count(*) || ':' || coalesce(sum(hash(struct_pack({row}))), 0)"
            out[f"{schema}.{table}"] = con.execute(
                f"select {digest} from {ident(schema)}.{ident(table)}"
            ).fetchone()[0]
    return out
