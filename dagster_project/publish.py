"""Publishing a quarter's grading results: freeze, version, restate (evaluation.md, Cadence).

dbt recomputes the draft grading table of every quarter on each build (`intermediate.int_quarterly_evaluation`).
Publishing copies one quarter of that draft into `publish.quarterly_evaluation_versions` as a new version, with a
row in `publish.evaluation_publications` (run id, as-of date, policy version, the SHA-256 of every loaded input file,
time, reason) and, from version 2 on, the field-by-field differences against the previous version in
`publish.quarterly_evaluation_diffs`. Nothing here ever updates or deletes a published row: later data changes reach
a published quarter only as a new version (a restatement), and every version stays queryable
(`marts.mart_quarterly_evaluation`; the default view `marts.mart_quarterly_evaluation_latest`).

The candidate table holds the quarter being evaluated so the Great Expectations gate validates exactly the rows
that would be published; the publish step runs only after that gate passed (a blocking Dagster asset check).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

DRAFT_TABLE = "intermediate.int_quarterly_evaluation"
CANDIDATE_TABLE = "publish.quarterly_evaluation_candidate"
VERSIONS_TABLE = "publish.quarterly_evaluation_versions"
PUBLICATIONS_TABLE = "publish.evaluation_publications"
DIFFS_TABLE = "publish.quarterly_evaluation_diffs"

#: Fields whose change makes a new version worth publishing, with the decimals they are compared at.
COMPARED_FIELDS: dict[str, int | None] = {
    "is_eligible": None,
    "ineligible_reason": None,
    "grade": None,
    "rank": None,
    "pip_required": None,
    "pip_escalation": None,
    "composite_score": 6,
    "quantitative_score": 6,
    "qualitative_score": 6,
    "attainment_actual": 2,
    "attainment_target": 2,
    "growth_actual": 6,
    "collection_actual": 6,
    "collection_target": 6,
    "retention_actual": 6,
    "satisfaction_actual": 4,
    "new_customers_actual": 4,
    "new_customers_target": 4,
    "review_360_actual": 4,
    "collaboration_actual": 4,
    "learning_actual": 4,
    "policy_version": None,
}

QUARTER_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")


class PublishError(RuntimeError):
    """The quarter cannot be evaluated or published (no rows, no warehouse tables, ...)."""


def quarter_from_partition(partition_key: str) -> str:
    """Dagster's quarterly partition key `2025-07` (the quarter's first month) to `2025Q3`."""
    year, month = partition_key.split("-")[:2]
    return f"{year}Q{(int(month) - 1) // 3 + 1}"


def partition_from_quarter(quarter: str) -> str:
    """`2025Q3` to the partition key `2025-07`; a clear error for anything else."""
    match = QUARTER_PATTERN.match(quarter)
    if not match:
        raise PublishError(f"quarter must look like 2025Q3, got {quarter!r}")
    year, q = match.groups()
    return f"{year}-{(int(q) - 1) * 3 + 1:02d}"


@dataclass
class FieldChange:
    employee_id: str
    field: str
    old_value: str | None
    new_value: str | None


@dataclass
class PublishResult:
    quarter: str
    version: int | None
    previous_version: int | None
    rows: int
    changes: list[FieldChange] = field(default_factory=list)
    reason: str | None = None

    @property
    def published(self) -> bool:
        return self.version is not None

    def describe(self, limit: int = 40) -> str:
        if self.previous_version is None and self.published:
            head = f"{self.quarter}: published version {self.version} ({self.rows} rows): {self.reason}"
        elif self.published:
            head = (
                f"{self.quarter}: published version {self.version} ({self.rows} rows), restating version "
                f"{self.previous_version}: {self.reason}"
            )
        elif self.previous_version is None:
            head = f"{self.quarter}: not published yet; {self.rows} draft rows"
        elif self.changes:
            head = f"{self.quarter}: draft differs from published version {self.previous_version}"
        else:
            head = f"{self.quarter}: unchanged since published version {self.previous_version}; nothing to publish"
        lines = [head]
        if self.changes:
            lines.append(f"  {len(self.changes)} change(s) against version {self.previous_version}:")
            lines += [f"    {line}" for line in readable_changes(self.changes)[:limit]]
            if len(self.changes) > limit:
                lines.append(f"    ... {len(self.changes) - limit} more in {DIFFS_TABLE}")
        return "\n".join(lines)


def readable_changes(changes: list[FieldChange]) -> list[str]:
    """One line per rep: grade moves first, then the figures that moved."""
    by_rep: dict[str, list[FieldChange]] = {}
    for change in changes:
        by_rep.setdefault(change.employee_id, []).append(change)
    lines = []
    for employee_id, rep_changes in sorted(by_rep.items(), key=lambda kv: (kv[1][0].field != "grade", kv[0])):
        rep_changes.sort(key=lambda c: (c.field != "grade", c.field))
        moved = "; ".join(f"{c.field} {c.old_value or '-'} -> {c.new_value or '-'}" for c in rep_changes)
        lines.append(f"{employee_id}: {moved}")
    return lines


def stage_candidate(con: duckdb.DuckDBPyConnection, quarter: str) -> int:
    """Copy the quarter's draft rows into the candidate table the quality gate validates."""
    partition_from_quarter(quarter)
    _require_tables(con)
    con.execute("begin transaction")
    try:
        con.execute(f"create or replace table {CANDIDATE_TABLE} as select * from {DRAFT_TABLE} where quarter = ?", [quarter])
        rows = con.execute(f"select count(*) from {CANDIDATE_TABLE}").fetchone()[0]
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    if rows == 0:
        known = [r[0] for r in con.execute(f"select distinct quarter from {DRAFT_TABLE} order by 1").fetchall()]
        span = f"{known[0]}..{known[-1]}" if known else "none"
        raise PublishError(f"no evaluation rows for {quarter}; quarters in the warehouse: {span}")
    return int(rows)


def compare_with_published(con: duckdb.DuckDBPyConnection, quarter: str) -> PublishResult:
    """The candidate against the latest published version of its quarter (no writes)."""
    previous = latest_version(con, quarter)
    rows = con.execute(f"select count(*) from {CANDIDATE_TABLE} where quarter = ?", [quarter]).fetchone()[0]
    changes = _diff(con, quarter, previous) if previous is not None else []
    return PublishResult(quarter, None, previous, int(rows), changes)


def publish_candidate(
    con: duckdb.DuckDBPyConnection,
    quarter: str,
    run_id: str,
    reason: str | None = None,
    published_at: datetime | None = None,
) -> PublishResult:
    """Freeze the candidate as the next version when it is new or differs from the latest version."""
    outcome = compare_with_published(con, quarter)
    if outcome.previous_version is not None and not outcome.changes:
        return outcome
    version = (outcome.previous_version or 0) + 1
    if reason is None:
        reason = (
            "initial publication"
            if outcome.previous_version is None
            else f"restatement: data changed since version {outcome.previous_version}"
        )
    published_at = published_at or datetime.now(UTC).replace(tzinfo=None)
    files = con.execute(
        "select source_file, source_sha256 from raw._load_log where status = 'loaded' order by source_file, source_sha256"
    ).fetchall()
    digest = hashlib.sha256("\n".join(f"{f}:{s}" for f, s in files).encode()).hexdigest()
    as_of = con.execute("select as_of_date from intermediate.int_run_as_of").fetchone()[0]
    policy, graded = con.execute(
        f"select string_agg(distinct policy_version, ','), count(*) filter (where is_graded) "
        f"from {CANDIDATE_TABLE} where quarter = ?",
        [quarter],
    ).fetchone()
    con.execute("begin transaction")
    try:
        con.execute(
            f"insert into {VERSIONS_TABLE} by name select ? as version, * from {CANDIDATE_TABLE} where quarter = ?",
            [version, quarter],
        )
        con.execute(
            f"insert into {PUBLICATIONS_TABLE} (quarter, version, reason, run_id, as_of_date, policy_version, "
            "input_digest, input_files, published_at, rows_published, graded_reps, changed_rows) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                quarter, version, reason, run_id, as_of, policy, digest,
                json.dumps([{"file": f, "sha256": s} for f, s in files]), published_at, outcome.rows, graded,
                len({c.employee_id for c in outcome.changes}),
            ],
        )
        if outcome.changes:
            con.executemany(
                f"insert into {DIFFS_TABLE} values (?, ?, ?, ?, ?, ?)",
                [[quarter, version, c.employee_id, c.field, c.old_value, c.new_value] for c in outcome.changes],
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    outcome.version = version
    outcome.reason = reason
    return outcome


def latest_version(con: duckdb.DuckDBPyConnection, quarter: str) -> int | None:
    row = con.execute(f"select max(version) from {PUBLICATIONS_TABLE} where quarter = ?", [quarter]).fetchone()
    return None if row[0] is None else int(row[0])


def _diff(con: duckdb.DuckDBPyConnection, quarter: str, version: int) -> list[FieldChange]:
    parts = []
    for name, decimals in COMPARED_FIELDS.items():
        old = f"round(o.{name}, {decimals})" if decimals is not None else f"o.{name}"
        new = f"round(n.{name}, {decimals})" if decimals is not None else f"n.{name}"
        parts.append(
            f"select coalesce(n.employee_id, o.employee_id) as employee_id, '{name}' as field, "
            f"cast({old} as varchar) as old_value, cast({new} as varchar) as new_value "
            f"from (select * from {CANDIDATE_TABLE} where quarter = $quarter) n "
            f"full outer join (select * from {VERSIONS_TABLE} where quarter = $quarter and version = $version) o "
            f"on o.employee_id = n.employee_id where {old} is distinct from {new}"
        )
    rows = con.execute(
        " union all ".join(parts) + " order by employee_id, field", {"quarter": quarter, "version": version}
    ).fetchall()
    return [FieldChange(*row) for row in rows]


def _require_tables(con: duckdb.DuckDBPyConnection) -> None:
    present = {
        f"{schema}.{name}"
        for schema, name in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    missing = [t for t in (DRAFT_TABLE, VERSIONS_TABLE, PUBLICATIONS_TABLE) if t not in present]
    if missing:
        raise PublishError(f"the warehouse lacks {', '.join(missing)}: run `spm run` first")
