"""The short report printed at the end of `spm run`: what each layer holds, what was quarantined, which
checks passed. Read with a read-only connection after the run, when no step holds the warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project import db
from dagster_project.ingest.load import quarantine_summary

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
    #: (extract, reason class, rows) as ingest.load.quarantine_summary classes them
    quarantine: list[tuple[str, str, int]]
    quarantined_rows: int
    #: what the figures leave out or cannot show (thin_data): (check, rows, consequence, hint), rows > 0 only
    thin: list[tuple[str, int, str, str]] = field(default_factory=list)
    time_zone: str | None = None

    def render(self, checks: CheckTally) -> str:
        lines = [f"Warehouse: {self.warehouse}" + (f"  (as of {self.as_of})" if self.as_of else "")]
        for layer, (tables, rows) in self.layers.items():
            lines.append(f"  {layer:<13}{tables:>4} tables {rows:>13,} rows")
        if self.files:
            done = ", ".join(f"{n} {status}" for status, n in sorted(self.files.items()))
            lines.append(f"  files        this run: {done}")
        lines.append(f"  quarantined  {self.quarantined_rows:,} rows in raw._quarantine")
        for extract, reason, n in self.quarantine:
            lines.append(f"               {extract:<26} {reason:<36} {n:>6,}")
        lines += thin_data_lines(self.thin, self.time_zone)
        lines.append(
            f"  checks       {checks.passed} passed, {len(checks.failed)} failed, {len(checks.warned)} warned"
        )
        lines += [f"               FAILED {name}" for name in checks.failed]
        lines += [f"               warn   {name}" for name in checks.warned]
        return "\n".join(lines)


#: The run's steps by what they do, as the summary's time line names them (first match wins: a step key's prefix).
PHASES = (("ingest", "raw__"), ("dbt", "warehouse_dbt_assets"), ("dashboard", "dashboard__"))


def time_line(elapsed: float, steps: dict[str, float]) -> str:
    """Where the run's wall time went: ingest, dbt, the quality gates, the dashboard, and the rest (starting Dagster
    and the dbt project, the nothing-new check, recording the run). `steps` is seconds per Dagster step key."""
    spent = dict.fromkeys([name for name, _ in PHASES] + ["quality gates"], 0.0)
    for key, seconds in steps.items():
        phase = next((name for name, prefix in PHASES if key.startswith(prefix)), None)
        if phase is None and "_gx_" in key:
            phase = "quality gates"
        if phase is not None:
            spent[phase] += seconds
    rest = max(elapsed - sum(spent.values()), 0.0)
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in spent.items())
    return f"  time         {elapsed:.1f} s: {parts}, the rest {rest:.1f} s (start-up, nothing-new check, record)"


def summarize(warehouse: Path, load_id: str | None = None) -> WarehouseSummary:
    """Read the summary of a built (or half-built) warehouse.

    A dbt child may still be releasing the write lock right after a failed step, hence the lock retries. The
    quarantine is classed by ingest's own rule (ingest.load.quarantine_summary) over the whole raw._quarantine,
    and its row total is counted apart, because a row with several reasons counts once in each of its classes.
    """
    with db.connect(warehouse, lock_attempts=10) as con:
        present = db.tables_in(con)
        tables = sorted(t for t in present if t.split(".", 1)[0] in LAYERS)
        layers: dict[str, tuple[int, int]] = {}
        for table in tables:
            schema, name = table.split(".", 1)  # layer schemas have no dot; a table name may
            n = con.execute(f"select count(*) from {db.ident(schema)}.{db.ident(name)}").fetchone()[0]
            count, rows = layers.get(schema, (0, 0))
            layers[schema] = (count + 1, rows + int(n))
        layers = {layer: layers[layer] for layer in LAYERS if layer in layers}
        files: dict[str, int] = {}
        if load_id and "raw._load_log" in present:
            files = dict(
                con.execute(
                    "select status, count(*) from raw._load_log where load_id = ? group by status", [load_id]
                ).fetchall()
            )
        quarantine: list[tuple[str, str, int]] = []
        quarantined_rows = 0
        if "raw._quarantine" in present:
            quarantine = quarantine_summary(con)
            quarantined_rows = int(con.execute("select count(*) from raw._quarantine").fetchone()[0])
        as_of = None
        if "intermediate.int_run_as_of" in present:
            as_of = str(con.execute("select as_of_date from intermediate.int_run_as_of").fetchone()[0])
        thin, time_zone = thin_data(con, present)
        return WarehouseSummary(warehouse, as_of, layers, files, quarantine, quarantined_rows, thin, time_zone)


def thin_data(con: duckdb.DuckDBPyConnection, present: set[str]) -> tuple[list[tuple[str, int, str, str]], str | None]:
    """The checks of marts.mart_data_quality with rows (leads without an owner, won deals without an amount, no
    stage history, rep-months without a target, ...) and the time zone business dates were taken in. Said in the
    summary because each leaves a figure thin or empty without failing anything."""
    if "marts.mart_data_quality" not in present:
        return [], None
    rows = con.execute(
        "select check_name, row_count, consequence, hint, time_zone from marts.mart_data_quality order by check_order"
    ).fetchall()
    thin = [(name, int(n), consequence, hint) for name, n, consequence, hint, _ in rows if n]
    return thin, (rows[0][4] if rows else None)


def thin_data_lines(thin: list[tuple[str, int, str, str]], time_zone: str | None) -> list[str]:
    """One line for the time zone, one per thin check."""
    lines = []
    if time_zone:
        lines.append(f"  time zone    business dates in {time_zone} "
                     "(set SPM_TIMEZONE to the company's zone if it differs)")
    for name, n, consequence, hint in thin:
        lines.append(f"  thin data    {name} {n:,}: {consequence}; {hint}")
    return lines


def unavailable_metrics(warehouse: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(extract folder, metrics) for each optional extract with no row in raw (extracts.METRICS_FED_BY): the metrics
    a run could not compute. They are null in the marts, never zero, and the summary says so by name."""
    from dagster_project.extracts import BY_NAME, METRICS_FED_BY
    from dagster_project.ingest.load import raw_table

    out = []
    with db.connect(warehouse, lock_attempts=10) as con:
        present = db.tables_in(con)
        for name, metrics in METRICS_FED_BY.items():
            extract = BY_NAME[name]
            has_rows = f"raw.{name}" in present and con.execute(
                f"select exists (select 1 from {raw_table(extract)})"
            ).fetchone()[0]
            if not has_rows:
                out.append((f"{extract.system}/{extract.entity}", metrics))
    return out


def render_unavailable(unavailable: list[tuple[str, tuple[str, ...]]]) -> str:
    """The summary lines for `unavailable_metrics`; empty when every optional extract delivered rows."""
    lines = [
        f"  unavailable  {', '.join(metrics)} (no {folder} rows delivered; null, not zero)"
        for folder, metrics in unavailable
    ]
    return "\n".join(lines)
