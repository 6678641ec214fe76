"""Shared reading of the pay marts: the pay lines, month parsing, read-only access, typed rows (DECIMAL stays
Decimal). Table names come from publish.PAY, the one Python description of the pay publication."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from dagster_project import db
from dagster_project.i18n import N_, Texts
from dagster_project.publish import PAY

STATEMENT_TABLE = PAY.draft_table
((LINEAGE_TABLE, LINEAGE_VERSIONS_TABLE),) = PAY.companions
#: The lines of a statement in statement order (line_order 1..7), the total last. dbt keeps the list in
#: its own SQL (macros/pay.sql as of this writing; SQL cannot import Python); the tests import this one.
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


#: The sentence of each reason code of a pay line (the mart's `reason`), in the catalogue (docs/locale.md).
REASONS = {
    "no_revenue_target": N_("no revenue target for the month: no payout factor, no bonus"),
    "below_threshold": N_("attainment below the 80% threshold: payout factor 0"),
    "no_payout_tier": N_("attainment falls in no payout tier of the policy"),
    "no_quantitative_inputs": N_("no KPI of the monthly score has an actual and a target"),
    "quantitative_score_zero": N_("monthly quantitative score is 0"),
    "no_published_quarter": N_("no published quarter before the month yet: new-hire default"),
    "no_qualitative_score": N_("the published quarter has no qualitative score: new-hire default"),
    "no_csat_score": N_("the published quarter has no CSAT score"),
    "csat_below_threshold": N_("CSAT of the published quarter below the threshold"),
    "no_clawback_event": N_("no credit note or write-off touched an earlier paid deal this month"),
    "bonus_unchanged_by_removed_bookings": N_(
        "bookings were removed from an earlier month but its bonus does not change"
    ),
}


def reason_text(code: str, tx: Texts) -> str:
    """A reason code's sentence in the reader's language; an unknown code as it is."""
    return tx._(REASONS[code]) if code in REASONS else code


def source_label(label: str, tx: Texts) -> str:
    """statement_sources' label ("draft, not published", "published version N") in the reader's language."""
    if label.startswith("published version "):
        return tx._("published version {version}", version=label.removeprefix("published version "))
    return tx._("draft, not published")


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
    with db.connect(warehouse) as con:
        tables = db.tables_in(con)
        for table in (STATEMENT_TABLE, LINEAGE_TABLE):
            if table not in tables:
                raise FileNotFoundError(f"{warehouse} has no table {table}: build the pay marts first (`spm run`)")
        yield con


def statement_sources(con: duckdb.DuckDBPyConnection, month: date) -> tuple[str, str, str]:
    """What to read for a month: its latest PUBLISHED version (statements and lineage frozen together) when the
    month has been published, else the current draft marts. Returns (statements, lineage, label) where the first
    two are SQL relations."""
    if PAY.publications_table in db.tables_in(con, "publish"):
        sql = f"select max(version) from {PAY.publications_table} where {PAY.period_column} = ?"
        version = con.execute(sql, [month]).fetchone()[0]
        if version is not None:
            return (
                f"(select * from {PAY.versions_table} where version = {int(version)})",
                f"(select * from {LINEAGE_VERSIONS_TABLE} where version = {int(version)})",
                f"published version {int(version)}",
            )
    return STATEMENT_TABLE, LINEAGE_TABLE, "draft, not published"


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows as dicts with DuckDB's Python types (DECIMAL -> Decimal, DATE -> date)."""
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
