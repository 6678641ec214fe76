"""Publish the `marts` schema of a DuckDB warehouse to PostgreSQL, atomically, for BI tools.

Why this shape: BI tools (Metabase, Superset, Power BI, Tableau) speak PostgreSQL and cannot share a DuckDB file
a build is writing. Every table and view of DuckDB `marts` (and the shared views of bi/access.py) is copied with
COPY into session-private TEMP tables (invisible to others, never touched by autovacuum, gone if the publisher
dies); then ONE transaction replaces the rows of each served table (`DELETE` + `INSERT ... SELECT`, never
`TRUNCATE` and never a schema swap) and commits. Because the served tables stay the same tables:
  - a query sees the old marts or the new ones, never a mix (one snapshot per statement), and a REPEATABLE READ
    or SERIALIZABLE reader whose snapshot predates the publication keeps reading the old rows, not empty tables;
  - what a DBA made on the served schema is kept: views, indexes, grants and revokes on served tables, tables of
    their own. A served table is dropped and re-created only when its columns, types or their classification
    changed (and then gets the declared grants); if other objects depend on it, the publication stops and names
    them instead of dropping anything;
  - readers take no lock the publication waits for, so no reader is ever cancelled. A deadlock or serialization
    failure is retried a bounded number of times.
A failure anywhere leaves the served marts untouched. `marts.bi_publication` (one row per table: publication id,
time, row count) lets a dashboard show what it reads.
"""

from __future__ import annotations

import hashlib
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
from dagster_project.bi.redact import redact
from dagster_project.bi.types import postgres_type

TARGET_SCHEMA = "marts"
_PUBLISH_LOCK = 0x5350_4D42
_BATCH_ROWS = 10_000
#: The swap waits at most this long in all for locks (a DBA's DDL on a served table, a table being replaced).
LOCK_DEADLINE_S = 120
#: One attempt's lock wait; below PostgreSQL's deadlock_timeout (1 s).
LOCK_ATTEMPT_MS = 300
#: Deadlocks and serialization failures retried at most this many times.
MAX_ATTEMPTS = 8
_RETRIED = (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)


class PublicationBlocked(ValueError):
    """Publishing would drop objects someone else made: nothing is published, the objects are named."""


@dataclass(frozen=True)
class TableSpec:
    name: str
    kind: str  # "table" or "view" in DuckDB, "shared view" (bi/access.py); all arrive as tables
    columns: tuple[tuple[str, str], ...]  # (name, PostgreSQL type)
    select: str = ""  # DuckDB query of the rows; empty = the whole mart

    def signature(self, classes: dict[str, str]) -> str:
        """Columns, types and classes: a served table whose signature changed is re-created with fresh grants."""
        text = "|".join(f"{c}:{t}:{classes.get(c, access.SHARED)}" for c, t in self.columns)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class PublishSummary:
    publication_id: str
    target: str
    tables: list[tuple[str, str, int]] = field(default_factory=list)  # (name, duckdb kind, rows)
    seconds: float = 0.0
    replaced: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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
        if self.replaced:
            lines.append(f"  re-created (columns or classification changed): {', '.join(self.replaced)}")
        return "\n".join(lines)


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
    warehouse: Path,
    url: str,
    progress: Callable[[str], None] = lambda _: None,
    warn: Callable[[str], None] = lambda _: None,
    manifest: Path | None = None,
) -> PublishSummary:
    """Copy DuckDB `marts` of `warehouse` into PostgreSQL `marts` at `url` (atomic, roles' grants declared)."""
    from dagster_project.settings import DBT_PROJECT_DIR

    started = time.perf_counter()
    summary = PublishSummary(publication_id=str(uuid.uuid4()), target=redact(url))
    declared = access.read_classification(manifest or DBT_PROJECT_DIR / "target" / "manifest.json")
    with db.connect(warehouse) as duck:
        specs = read_specs(duck)
        classes = access.classify({s.name: [c for c, _ in s.columns] for s in specs}, declared)
        specs += _shared_views(duck, classes)
        for spec in specs[-len(access.SHARED_VIEWS):]:
            classes[spec.name] = {c: access.SHARED for c, _ in spec.columns}
        classes[access.MARKER_TABLE] = {c: access.SHARED for c in access.MARKER_COLUMNS}
        with psycopg.connect(url, autocommit=True) as pg:
            excess = access.excess_privileges(pg)
            if excess:
                summary.warnings = [f"serve-bi: the publisher holds {', '.join(excess)}, which publishing does not "
                                    "need: let a DBA create the roles once and publish as a plain role "
                                    "(docs/security.md)"]
            for line in summary.warnings:
                warn(line)
            pg.execute("select pg_advisory_lock(%s)", [_PUBLISH_LOCK])
            try:
                access.ensure_setup(pg, TARGET_SCHEMA, warn)
                _load_temp(duck, pg, specs, summary, progress)
                duck.close()
                summary.replaced = _swap(pg, specs, classes)
                for spec in specs:  # planner statistics now, not when autovacuum gets to it
                    pg.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(TARGET_SCHEMA, spec.name)))
            finally:
                pg.execute("select pg_advisory_unlock(%s)", [_PUBLISH_LOCK])
    summary.seconds = time.perf_counter() - started
    return summary


def _shared_views(duck: duckdb.DuckDBPyConnection, classes: access.Classification) -> list[TableSpec]:
    specs = []
    for name, (mart, _, _) in sorted(access.SHARED_VIEWS.items()):
        if mart not in classes:
            raise access.SensitivityError(f"shared view marts.{name} reads marts.{mart}, which is not in the marts")
        select, _ = access.shared_view_sql(name, classes[mart], db.ident)
        described = duck.execute(f"describe {select}").fetchall()
        columns = tuple((c, postgres_type(t, f"marts.{name}.{c}")) for c, t, *_ in described)
        specs.append(TableSpec(name, "shared view", columns, select))
    return specs


def _load_temp(
    duck: duckdb.DuckDBPyConnection,
    pg: psycopg.Connection,
    specs: list[TableSpec],
    summary: PublishSummary,
    progress: Callable[[str], None],
) -> None:
    """A TEMP table per mart, loaded with COPY: private to this session, so readers, other sessions and
    autovacuum never see it."""
    with pg.transaction():
        for spec in specs:
            table = sql.Identifier(spec.name)
            pg.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(table))
            pg.execute(sql.SQL("CREATE TEMP TABLE {} ({})").format(table, _column_defs(spec.columns)))
            rows = _copy_table(duck, pg, spec, sql.SQL("pg_temp.{}").format(table))
            summary.tables.append((spec.name, spec.kind, rows))
            progress(f"serve-bi: {spec.name}: {rows:,} rows")
        marker = TableSpec(access.MARKER_TABLE, "marker", _MARKER_COLUMNS)
        pg.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(marker.name)))
        pg.execute(sql.SQL("CREATE TEMP TABLE {} ({})").format(sql.Identifier(marker.name),
                                                              _column_defs(marker.columns)))
        now = datetime.now(UTC)
        with pg.cursor() as cur:
            cur.executemany(
                sql.SQL("INSERT INTO pg_temp.{} VALUES (%s, %s, %s, %s)").format(sql.Identifier(marker.name)),
                [(summary.publication_id, now, name, rows) for name, _, rows in summary.tables],
            )


_MARKER_COLUMNS = (("publication_id", "uuid"), ("published_at", "timestamptz"), ("table_name", "text"),
                   ("row_count", "bigint"))


def _column_defs(columns: tuple[tuple[str, str], ...]) -> sql.Composable:
    return sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in columns)


def _copy_table(
    duck: duckdb.DuckDBPyConnection, pg: psycopg.Connection, spec: TableSpec, table: sql.Composable
) -> int:
    names = [c for c, _ in spec.columns]
    select = spec.select or f"select * from {db.ident(TARGET_SCHEMA)}.{db.ident(spec.name)}"
    result = duck.execute(f"select {', '.join(db.ident(c) for c in names)} from ({select})")
    copied = 0
    try:
        with pg.cursor() as cur, cur.copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(table, sql.SQL(", ").join(sql.Identifier(c) for c in names))
        ) as copy:
            while batch := result.fetchmany(_BATCH_ROWS):
                for row in batch:
                    copy.write_row(row)
                copied += len(batch)
    except psycopg.errors.DataError as error:  # a NUL byte, say: ingest quarantines them, so this is a bug
        raise ValueError(f"marts.{spec.name}: PostgreSQL refused a value in rows {copied + 1:,}-"
                         f"{copied + _BATCH_ROWS:,}: {error.diag.message_primary}") from None
    return copied


def _swap(pg: psycopg.Connection, specs: list[TableSpec], classes: access.Classification) -> list[str]:
    """ONE transaction replacing every served table's rows; retried on deadlocks, serialization failures and
    lock waits (bounded by MAX_ATTEMPTS and LOCK_DEADLINE_S). Returns the tables re-created."""
    all_specs = [*specs, TableSpec(access.MARKER_TABLE, "marker", _MARKER_COLUMNS)]
    deadline = time.monotonic() + LOCK_DEADLINE_S
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with pg.transaction():
                pg.execute(f"SET LOCAL lock_timeout = '{LOCK_ATTEMPT_MS}ms'")
                return _replace_rows(pg, all_specs, classes)
        except _RETRIED as error:
            if attempt == MAX_ATTEMPTS or time.monotonic() > deadline:
                raise TimeoutError(
                    f"the served marts stayed busy ({type(error).__name__}) through {attempt} attempts: "
                    "nothing published, BI keeps the previous marts") from None
            time.sleep(random.uniform(0.05, 0.3) * attempt)
    raise AssertionError("unreachable: the loop returns or raises")


_SIGNATURE = "spm-publication signature "


def _replace_rows(pg: psycopg.Connection, specs: list[TableSpec], classes: access.Classification) -> list[str]:
    served = dict(pg.execute(
        "select c.relname, coalesce(obj_description(c.oid, 'pg_class'), '') from pg_class c"
        " join pg_namespace n on n.oid = c.relnamespace where n.nspname = %s and c.relkind in ('r', 'p')",
        [TARGET_SCHEMA]).fetchall())
    previous = set()
    if access.MARKER_TABLE in served:
        previous = {r[0] for r in pg.execute(
            sql.SQL("select distinct table_name from {}").format(
                sql.Identifier(TARGET_SCHEMA, access.MARKER_TABLE))).fetchall()}
    replaced = []
    for spec in specs:
        table = sql.Identifier(TARGET_SCHEMA, spec.name)
        names = sql.SQL(", ").join(sql.Identifier(c) for c, _ in spec.columns)
        signature = spec.signature(classes[spec.name])
        comment = served.get(spec.name)
        if comment is not None and comment != _SIGNATURE + signature:
            if not comment.startswith(_SIGNATURE) and spec.name not in previous | {access.MARKER_TABLE}:
                raise PublicationBlocked(
                    f"{TARGET_SCHEMA}.{spec.name} exists but was not made by spm serve-bi (no publication "
                    "signature): nothing published; rename or drop it")
            _drop(pg, spec.name, "its columns or their classification changed")
            replaced.append(spec.name)
            comment = None
        if comment is None:
            pg.execute(sql.SQL("CREATE TABLE {} ({})").format(table, _column_defs(spec.columns)))
            pg.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(table, sql.Literal(_SIGNATURE + signature)))
            access.grant(pg, TARGET_SCHEMA, spec.name, classes[spec.name])
        else:
            pg.execute(sql.SQL("DELETE FROM {}").format(table))
        pg.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM pg_temp.{}").format(
            table, names, names, sql.Identifier(spec.name)))
    for stale in sorted(previous - {s.name for s in specs}):
        if stale in served:
            _drop(pg, stale, "it is no longer a mart")
    return replaced


def _drop(pg: psycopg.Connection, table: str, why: str) -> None:
    """Drop a served table this publication made before; never what depends on it (the publication stops)."""
    try:
        with pg.transaction():
            pg.execute(sql.SQL("DROP TABLE {} RESTRICT").format(sql.Identifier(TARGET_SCHEMA, table)))
    except psycopg.errors.DependentObjectsStillExist as error:
        detail = (error.diag.message_detail or "").replace("\n", "; ")
        raise PublicationBlocked(
            f"{TARGET_SCHEMA}.{table} must be re-created ({why}) but other objects depend on it: {detail}. "
            "Nothing published and nothing dropped: drop or adapt them, publish, then re-create them") from None
