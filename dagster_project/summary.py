"""The short report printed at the end of `spm run`: what each layer holds, what was quarantined, which
checks passed. Read with a read-only connection after the run, when no step holds the warehouse."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

LAYERS = ("raw", "staging", "intermediate", "marts", "config")


@dataclass
class CheckTally:
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)


@dataclass
class WarehouseSummary:
    warehouse: Path
    as_of: str | None
    layers: dict[str, tuple[int, int]]
    files: dict[str, int]
    quarantine: list[tuple[str, str, int]]

    def render(self, checks: CheckTally) -> str:
        lines = [f"Warehouse: {self.warehouse}" + (f"  (as of {self.as_of})" if self.as_of else "")]
        for layer, (tables, rows) in self.layers.items():
            lines.append(f"  {layer:<13}{tables:>4} tables {rows:>13,} rows")
        if self.files:
            done = ", ".join(f"{n} {status}" for status, n in sorted(self.files.items()))
            lines.append(f"  files        this run: {done}")
        quarantined = sum(n for _, _, n in self.quarantine)
        lines.append(f"  quarantined  {quarantined:,} rows in raw._quarantine")
        for extract, reason, n in self.quarantine:
            lines.append(f"               {extract:<26} {reason:<36} {n:>6,}")
        lines.append(
            f"  checks       {checks.passed} passed, {len(checks.failed)} failed, {len(checks.warned)} warned"
        )
        lines += [f"               FAILED {name}" for name in checks.failed]
        lines += [f"               warn   {name}" for name in checks.warned]
        return "\n".join(lines)


def _connect_read_only(warehouse: Path, attempts: int = 10) -> duckdb.DuckDBPyConnection:
    """A child process (dbt) may still be releasing the write lock right after a failed step."""
    for attempt in range(attempts):
        try:
            return duckdb.connect(str(warehouse), read_only=True)
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def summarize(warehouse: Path, load_id: str | None = None) -> WarehouseSummary:
    con = _connect_read_only(warehouse)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?)) order by 1, 2",
            [list(LAYERS)],
        ).fetchall()
        layers: dict[str, tuple[int, int]] = {}
        for schema, table in tables:
            n = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            count, rows = layers.get(schema, (0, 0))
            layers[schema] = (count + 1, rows + int(n))
        layers = {layer: layers[layer] for layer in LAYERS if layer in layers}
        files: dict[str, int] = {}
        if load_id and ("raw", "_load_log") in tables:
            files = dict(
                con.execute(
                    "select status, count(*) from raw._load_log where load_id = ? group by status", [load_id]
                ).fetchall()
            )
        quarantine: list[tuple[str, str, int]] = []
        if ("raw", "_quarantine") in tables:
            quarantine = con.execute(
                "select extract, split_part(reason, ':', 1) as reason_class, count(*) "
                "from raw._quarantine group by 1, 2 order by 1, 2"
            ).fetchall()
        as_of = None
        if ("intermediate", "int_run_as_of") in tables:
            as_of = str(con.execute("select as_of_date from intermediate.int_run_as_of").fetchone()[0])
        return WarehouseSummary(warehouse, as_of, layers, files, quarantine)
    finally:
        con.close()
