"""Publish the `marts` schema of a DuckDB warehouse to PostgreSQL, atomically, for BI tools.

Why this shape: BI tools (Metabase, Superset, Power BI, Tableau) speak PostgreSQL and cannot share a DuckDB file
a build is writing. Every table and view of DuckDB `marts` is loaded with COPY into a fresh staging schema while
BI keeps reading the current `marts`; then ONE transaction renames `marts` away, renames the staging schema to
`marts`, grants each role its tables and columns (bi/access.py) and drops the old schema. A query sees the old
marts or the new ones, never a mix: PostgreSQL resolves and locks a query's tables before it reads them, and the
swap holds its locks until it commits. A failure before the swap leaves the served marts untouched.

`marts.bi_publication` (one row per table: publication id, time, row count) lets a dashboard show what it reads.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from dagster_project import db
from dagster_project.bi import access
from dagster_project.bi.types import postgres_type

TARGET_SCHEMA = "marts"
STAGING_SCHEMA = "marts__staging"
PREVIOUS_SCHEMA = "marts__previous"
#: Serializes concurrent publishers on one database (pg_advisory_xact_lock key).
_PUBLISH_LOCK = 0x5350_4D42
_BATCH_ROWS = 10_000
#: The swap waits at most this long for running BI queries to release the served tables.
LOCK_DEADLINE_S = 120
#: One attempt to lock every served table; below PostgreSQL's deadlock_timeout (1 s).
LOCK_ATTEMPT_MS = 300


@dataclass(frozen=True)
class TableSpec:
    name: str
    kind: str  # "table" or "view" in DuckDB; both arrive as tables
    columns: tuple[tuple[str, str], ...]  # (name, PostgreSQL type)


@dataclass
class PublishSummary:
    publication_id: str
    target: str
    tables: list[tuple[str, str, int]] = field(default_factory=list)  # (name, duckdb kind, rows)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(n for _, _, n in self.tables)

    def render(self) -> str:
        lines = [
            f"Published {len(self.tables)} tables, {self.rows:,} rows to schema {TARGET_SCHEMA} of {self.target} "
            f"in {self.seconds:.1f} s (publication {self.publication_id})"
        ]
        lines += [f"  {name:<36} {rows:>10,} rows{'  (view in DuckDB)' if kind == 'view' else ''}"
                  for name, kind, rows in self.tables]
        return "\n".join(lines)


def redact(url: str) -> str:
    """The URL without its password, for logs and summaries."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    host = info.get("host", "localhost")
    return f"postgresql://{info.get('user', '')}@{host}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def read_specs(con: duckdb.DuckDBPyConnection, schema: str = TARGET_SCHEMA) -> list[TableSpec]:
    """Every table and view of the DuckDB schema with PostgreSQL column types (fails on an unmapped type)."""
    objects = con.execute(
        "select table_name, table_type from information_schema.tables where table_schema = ? order by 1", [schema]
    ).fetchall()
    if not objects:
        raise ValueError(f"the warehouse has no schema {schema} (or it is empty): build it first with `spm run`")
    specs = []
    for name, table_type in objects:
        if name == access.MARKER_TABLE:
            raise ValueError(f"{schema}.{name} is reserved for the publication marker")
        rows = con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
        columns = tuple((c, postgres_type(t, f"{schema}.{name}.{c}")) for c, t in rows)
        specs.append(TableSpec(name, "view" if table_type == "VIEW" else "table", columns))
    return specs


def publish_marts(
    warehouse: Path, url: str, progress: Callable[[str], None] = lambda _: None
) -> PublishSummary:
    """Copy DuckDB `marts` of `warehouse` into PostgreSQL `marts` at `url` (atomic swap, roles and grants)."""
    started = time.perf_counter()
    summary = PublishSummary(publication_id=str(uuid.uuid4()), target=redact(url))
    with db.connect(warehouse) as duck:
        specs = read_specs(duck)
        access.check_declaration({s.name: [c for c, _ in s.columns] for s in specs})
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute("select pg_advisory_lock(%s)", [_PUBLISH_LOCK])
            try:
                _load_staging(duck, pg, specs, summary, progress)
                duck.close()
                _swap(pg, specs)
            finally:
                pg.execute("select pg_advisory_unlock(%s)", [_PUBLISH_LOCK])
    summary.seconds = time.perf_counter() - started
    return summary


def _load_staging(
    duck: duckdb.DuckDBPyConnection,
    pg: psycopg.Connection,
    specs: list[TableSpec],
    summary: PublishSummary,
    progress: Callable[[str], None],
) -> None:
    """A fresh staging schema holding every mart, loaded with COPY; readers cannot see it (no grants yet)."""
    staging = sql.Identifier(STAGING_SCHEMA)
    with pg.transaction():
        pg.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(staging))
        pg.execute(sql.SQL("CREATE SCHEMA {}").format(staging))
        for spec in specs:
            table = sql.Identifier(STAGING_SCHEMA, spec.name)
            pg.execute(
                sql.SQL("CREATE TABLE {} ({})").format(
                    table,
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in spec.columns
                    ),
                )
            )
            rows = _copy_table(duck, pg, spec, table)
            summary.tables.append((spec.name, spec.kind, rows))
            progress(f"serve-bi: {spec.name}: {rows:,} rows")
        _write_marker(pg, summary)
        for spec in specs:  # planner statistics before the first BI query, not after autovacuum gets to it
            pg.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(STAGING_SCHEMA, spec.name)))


def _copy_table(
    duck: duckdb.DuckDBPyConnection, pg: psycopg.Connection, spec: TableSpec, table: sql.Composable
) -> int:
    names = [c for c, _ in spec.columns]
    select = f"select {', '.join(db.ident(c) for c in names)} from {db.ident(TARGET_SCHEMA)}.{db.ident(spec.name)}"
    result = duck.execute(select)
    copied = 0
    with pg.cursor() as cur, cur.copy(
        sql.SQL("COPY {} ({}) FROM STDIN").format(table, sql.SQL(", ").join(sql.Identifier(c) for c in names))
    ) as copy:
        while batch := result.fetchmany(_BATCH_ROWS):
            for row in batch:
                copy.write_row(row)
            copied += len(batch)
    return copied


def _write_marker(pg: psycopg.Connection, summary: PublishSummary) -> None:
    marker = sql.Identifier(STAGING_SCHEMA, access.MARKER_TABLE)
    pg.execute(
        sql.SQL(
            "CREATE TABLE {} (publication_id uuid NOT NULL, published_at timestamptz NOT NULL,"
            " table_name text NOT NULL, row_count bigint NOT NULL)"
        ).format(marker)
    )
    now = datetime.now(UTC)
    with pg.cursor() as cur:
        cur.executemany(
            sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s)").format(marker),
            [(summary.publication_id, now, name, rows) for name, _, rows in summary.tables],
        )


def _swap(pg: psycopg.Connection, specs: list[TableSpec]) -> None:
    """ONE transaction: roles, grants and policy on the staging schema, every served table locked, then marts ->
    previous, staging -> marts, previous dropped. Until it commits every reader keeps the old marts.

    Why the locks: a query resolves its tables one by one; without them a query could resolve its first table
    before the renames and its second after. A BI query holds its first table while it waits for the next, so the
    locks are taken all at once within a short statement timeout (below PostgreSQL's 1 s deadlock check, so the
    reader is never the one cancelled) and retried until `LOCK_DEADLINE_S`.
    """
    columns = {s.name: [c for c, _ in s.columns] for s in specs}
    columns[access.MARKER_TABLE] = ["publication_id", "published_at", "table_name", "row_count"]
    deadline = time.monotonic() + LOCK_DEADLINE_S
    while True:
        try:
            with pg.transaction():
                access.ensure_roles(pg)
                access.apply_grants(pg, STAGING_SCHEMA, columns)
                _lock_served_tables(pg)
                _rename_and_drop(pg)
            return
        except (psycopg.errors.QueryCanceled, psycopg.errors.LockNotAvailable):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"BI queries held the served marts for {LOCK_DEADLINE_S} s: nothing published, "
                    f"the new marts wait in schema {STAGING_SCHEMA}"
                ) from None
            time.sleep(random.uniform(0.02, 0.2))


def _lock_served_tables(pg: psycopg.Connection) -> None:
    tables = [r[0] for r in pg.execute(
        "select tablename from pg_tables where schemaname = %s order by 1", [TARGET_SCHEMA]).fetchall()]
    if not tables:
        return
    pg.execute(f"SET LOCAL statement_timeout = '{LOCK_ATTEMPT_MS}ms'")
    pg.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
        sql.SQL(", ").join(sql.Identifier(TARGET_SCHEMA, t) for t in tables)))
    pg.execute("SET LOCAL statement_timeout = 0")


def _rename_and_drop(pg: psycopg.Connection) -> None:
    target, staging, previous = (sql.Identifier(n) for n in (TARGET_SCHEMA, STAGING_SCHEMA, PREVIOUS_SCHEMA))
    pg.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(previous))
    served = pg.execute("select 1 from pg_namespace where nspname = %s", [TARGET_SCHEMA]).fetchone() is not None
    if served:
        pg.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(target, previous))
    pg.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(staging, target))
    if served:
        pg.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(previous))
