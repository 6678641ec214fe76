"""Publishing results for a period: freeze, version, restate (docs/evaluation.md, Cadence).

dbt recomputes the draft of every period on each build (the quarterly grading table, the monthly pay statements).
Publishing copies one period of a draft into a versions table as a new version, with a publication row (run id,
as-of date, policy version, the SHA-256 of every loaded input file, time, reason) and, from version 2 on, the
field-by-field differences against the previous version. Nothing here ever updates or deletes a published row:
later data reaches a published period only as a new version (a restatement), and every version stays queryable.

The candidate table holds the period being published, so the Great Expectations gate validates exactly the rows
that would be frozen; the publish step runs only after that gate passed (a blocking Dagster asset check).
The tables are created by dbt's on-run-start hook (dbt/macros/publish.sql) so the marts over them always compile.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb

QUARTER_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PublishError(RuntimeError):
    """The period cannot be evaluated or published (no rows, no warehouse tables, bad period)."""


@dataclass(frozen=True)
class Publication:
    """What is published, where its versions live, and which fields make a new version worth publishing."""

    name: str
    draft_table: str
    period_column: str
    candidate_table: str
    versions_table: str
    publications_table: str
    diffs_table: str
    key_columns: tuple[str, ...]
    #: field -> decimals it is compared at (None: compared as is)
    compared_fields: dict[str, int | None]
    graded_filter: str = "true"
    #: (draft table, versions table) pairs frozen with the same version, e.g. the payout lineage
    companions: tuple[tuple[str, str], ...] = ()

    @property
    def period_type(self) -> str:
        return "varchar" if self.period_column == "quarter" else "date"

    def period_value(self, period: str) -> str | date:
        """The period as stored: quarter text `2025Q3`, or the first day of the month for `2025-07`."""
        if self.period_column == "quarter":
            partition_from_quarter(period)
            return period
        if not MONTH_PATTERN.match(period):
            raise PublishError(f"month must look like 2025-07, got {period!r}")
        return date.fromisoformat(f"{period}-01")


@dataclass
class FieldChange:
    employee_id: str
    field: str
    old_value: str | None
    new_value: str | None


@dataclass
class PublishResult:
    period: str
    version: int | None
    previous_version: int | None
    rows: int
    diffs_table: str
    changes: list[FieldChange] = field(default_factory=list)
    reason: str | None = None

    @property
    def published(self) -> bool:
        return self.version is not None

    def describe(self, limit: int = 40) -> str:
        if self.previous_version is None and self.published:
            head = f"{self.period}: published version {self.version} ({self.rows} rows): {self.reason}"
        elif self.published:
            head = (
                f"{self.period}: published version {self.version} ({self.rows} rows), restating version "
                f"{self.previous_version}: {self.reason}"
            )
        elif self.previous_version is None:
            head = f"{self.period}: not published yet; {self.rows} draft rows"
        elif self.changes:
            head = f"{self.period}: draft differs from published version {self.previous_version}"
        else:
            head = f"{self.period}: unchanged since published version {self.previous_version}; nothing to publish"
        lines = [head]
        if self.changes:
            lines.append(f"  {len(self.changes)} change(s) against version {self.previous_version}:")
            lines += [f"    {line}" for line in readable_changes(self.changes)[:limit]]
            if len(self.changes) > limit:
                lines.append(f"    ... {len(self.changes) - limit} more in {self.diffs_table}")
        return "\n".join(lines)


EVALUATION = Publication(
    name="quarterly evaluation",
    draft_table="intermediate.int_quarterly_evaluation",
    period_column="quarter",
    candidate_table="publish.quarterly_evaluation_candidate",
    versions_table="publish.quarterly_evaluation_versions",
    publications_table="publish.evaluation_publications",
    diffs_table="publish.quarterly_evaluation_diffs",
    key_columns=("employee_id",),
    compared_fields={
        "is_eligible": None, "ineligible_reason": None, "grade": None, "rank": None, "pip_required": None,
        "pip_escalation": None, "composite_score": 6, "quantitative_score": 6, "qualitative_score": 6,
        "attainment_actual": 2, "attainment_target": 2, "growth_actual": 6, "collection_actual": 6,
        "collection_target": 6, "retention_actual": 6, "satisfaction_actual": 4, "new_customers_actual": 4,
        "new_customers_target": 4, "review_360_actual": 4, "collaboration_actual": 4, "learning_actual": 4,
        "policy_version": None,
    },
    graded_filter="is_graded",
)


PAY = Publication(
    name="pay statement",
    draft_table="marts.mart_pay_statement",
    period_column="month",
    candidate_table="publish.pay_statement_candidate",
    versions_table="publish.pay_statement_versions",
    publications_table="publish.pay_publications",
    diffs_table="publish.pay_statement_diffs",
    key_columns=("employee_id", "line"),
    compared_fields={"amount": 2, "reason": None, "policy_version": None},
    graded_filter="line = 'total_pay'",
    companions=(("marts.audit_payout_lineage", "publish.payout_lineage_versions"),),
)


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


def stage_candidate(con: duckdb.DuckDBPyConnection, spec: Publication, period: str) -> int:
    """Copy the period's draft rows into the candidate table the quality gate validates."""
    value = spec.period_value(period)
    _require_tables(con, spec)
    ensure_tables(con, spec)
    con.execute("begin transaction")
    try:
        con.execute(
            f"create or replace table {spec.candidate_table} as "
            f"select * from {spec.draft_table} where {spec.period_column} = ?",
            [value],
        )
        rows = con.execute(f"select count(*) from {spec.candidate_table}").fetchone()[0]
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    if rows == 0:
        known = con.execute(
            f"select min({spec.period_column}), max({spec.period_column}) from {spec.draft_table}"
        ).fetchone()
        span = f"{known[0]}..{known[1]}" if known[0] is not None else "none"
        raise PublishError(f"no {spec.name} rows for {period}; periods in the warehouse: {span}")
    return int(rows)


def compare_with_published(con: duckdb.DuckDBPyConnection, spec: Publication, period: str) -> PublishResult:
    """The candidate against the latest published version of its period (no writes)."""
    value = spec.period_value(period)
    previous = latest_version(con, spec, period)
    rows = con.execute(
        f"select count(*) from {spec.candidate_table} where {spec.period_column} = ?", [value]
    ).fetchone()[0]
    changes = _diff(con, spec, value, previous) if previous is not None else []
    return PublishResult(period, None, previous, int(rows), spec.diffs_table, changes)


def publish_candidate(
    con: duckdb.DuckDBPyConnection,
    spec: Publication,
    period: str,
    run_id: str,
    reason: str | None = None,
    published_at: datetime | None = None,
) -> PublishResult:
    """Freeze the candidate as the next version when it is new or differs from the latest version."""
    value = spec.period_value(period)
    outcome = compare_with_published(con, spec, period)
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
        "select source_file, source_sha256 from raw._load_log where status = 'loaded' "
        "order by source_file, source_sha256"
    ).fetchall()
    digest = hashlib.sha256("\n".join(f"{f}:{s}" for f, s in files).encode()).hexdigest()
    as_of = con.execute("select as_of_date from intermediate.int_run_as_of").fetchone()[0]
    policy, graded = con.execute(
        f"select string_agg(distinct policy_version, ','), count(*) filter (where {spec.graded_filter}) "
        f"from {spec.candidate_table} where {spec.period_column} = ?",
        [value],
    ).fetchone()
    col = spec.period_column
    con.execute("begin transaction")
    try:
        con.execute(
            f"insert into {spec.versions_table} by name "
            f"select ? as version, * from {spec.candidate_table} where {col} = ?",
            [version, value],
        )
        con.execute(
            f"insert into {spec.publications_table} ({col}, version, reason, run_id, as_of_date, policy_version, "
            "input_digest, input_files, published_at, rows_published, graded_reps, changed_rows) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                value, version, reason, run_id, as_of, policy, digest,
                json.dumps([{"file": f, "sha256": s} for f, s in files]), published_at, outcome.rows, graded,
                len({c.employee_id for c in outcome.changes}),
            ],
        )
        for draft, versions in spec.companions:
            con.execute(
                f"insert into {versions} by name select ? as version, * from {draft} where {col} = ?",
                [version, value],
            )
        if outcome.changes:
            con.executemany(
                f"insert into {spec.diffs_table} values (?, ?, ?, ?, ?, ?)",
                [[value, version, c.employee_id, c.field, c.old_value, c.new_value] for c in outcome.changes],
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    outcome.version = version
    outcome.reason = reason
    return outcome


def latest_version(con: duckdb.DuckDBPyConnection, spec: Publication, period: str) -> int | None:
    row = con.execute(
        f"select max(version) from {spec.publications_table} where {spec.period_column} = ?",
        [spec.period_value(period)],
    ).fetchone()
    return None if row[0] is None else int(row[0])


def _diff(
    con: duckdb.DuckDBPyConnection, spec: Publication, value: str | date, version: int
) -> list[FieldChange]:
    """Changed fields per key; keys beyond employee_id (a pay line) prefix the field name: `bonus:amount`."""
    join = " and ".join(f"o.{k} = n.{k}" for k in spec.key_columns)
    extra_keys = spec.key_columns[1:]
    prefix = " || ':' || ".join(f"coalesce(n.{k}, o.{k})" for k in extra_keys)
    parts = []
    for name, decimals in spec.compared_fields.items():
        old = f"round(o.{name}, {decimals})" if decimals is not None else f"o.{name}"
        new = f"round(n.{name}, {decimals})" if decimals is not None else f"n.{name}"
        label = f"{prefix} || ':{name}'" if extra_keys else f"'{name}'"
        parts.append(
            f"select coalesce(n.employee_id, o.employee_id) as employee_id, {label} as field, "
            f"cast({old} as varchar) as old_value, cast({new} as varchar) as new_value "
            f"from (select * from {spec.candidate_table} where {spec.period_column} = $period) n "
            f"full outer join (select * from {spec.versions_table} "
            f"where {spec.period_column} = $period and version = $version) o "
            f"on {join} where {old} is distinct from {new}"
        )
    rows = con.execute(
        " union all ".join(parts) + " order by employee_id, field", {"period": value, "version": version}
    ).fetchall()
    return [FieldChange(*row) for row in rows]


def ensure_tables(con: duckdb.DuckDBPyConnection, spec: Publication) -> None:
    """Create the publication tables when missing; versions take the draft's own columns, plus `version`."""
    period = f"{spec.period_column} {spec.period_type}"
    con.execute("create schema if not exists publish")
    con.execute(
        f"create table if not exists {spec.publications_table} ({period} not null, version integer not null, "
        "reason varchar not null, run_id varchar, as_of_date date, policy_version varchar, input_digest varchar, "
        "input_files varchar, published_at timestamp not null, rows_published integer, graded_reps integer, "
        f"changed_rows integer, primary key ({spec.period_column}, version))"
    )
    con.execute(
        f"create table if not exists {spec.diffs_table} ({period} not null, version integer not null, "
        "employee_id varchar not null, field varchar not null, old_value varchar, new_value varchar)"
    )
    for draft, versions in ((spec.draft_table, spec.versions_table), *spec.companions):
        con.execute(
            f"create table if not exists {versions} as select cast(null as integer) as version, * "
            f"from {draft} where false"
        )


def _require_tables(con: duckdb.DuckDBPyConnection, spec: Publication) -> None:
    present = {
        f"{schema}.{name}"
        for schema, name in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    missing = [t for t in (spec.draft_table, *(d for d, _ in spec.companions)) if t not in present]
    if missing:
        raise PublishError(f"the warehouse lacks {', '.join(missing)}: run `spm run` first")
