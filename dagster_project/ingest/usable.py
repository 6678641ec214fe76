"""Whether a load left anything to build: a warehouse without transactional rows cannot have an as-of date.

The as-of date is the latest change stamp of the transactional extracts; with none loaded (every delivery empty
or every row quarantined) dbt would build empty marts with a NULL as-of date and the GX gate would fail far from
the cause. The run stops before dbt with one sentence naming each extract and why it has no rows instead.
"""

from __future__ import annotations

import duckdb

from dagster_project.extracts import BY_NAME, REQUIRED_TO_RUN
from dagster_project.ingest.load import raw_table

TRANSACTIONAL_EXTRACTS = ("crm__opportunity", "crm__task", "finance__invoice", "finance__payment")
"""The extracts whose change stamps date the run (dbt model int_run_as_of)."""


def _why_empty(con: duckdb.DuckDBPyConnection, extract: str) -> str:
    files = con.execute(
        "SELECT count(DISTINCT source_file) FROM raw._load_log WHERE extract = ? AND status = 'loaded'", [extract]
    ).fetchone()[0]
    quarantined = con.execute("SELECT count(*) FROM raw._quarantine WHERE extract = ?", [extract]).fetchone()[0]
    if quarantined:
        return f"{extract} fully quarantined ({quarantined:,} row(s) in raw._quarantine)"
    if files:
        return f"{extract} empty ({files} file(s) without data rows)"
    return f"{extract} has no delivery loaded"


def no_usable_rows_message(con: duckdb.DuckDBPyConnection) -> str | None:
    """None when any transactional extract has a row in raw; else the sentence that stops the run."""
    existing = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'raw'"
        ).fetchall()
    }
    if not {"_load_log", "_quarantine"} <= existing:
        return "no transactional rows loaded: nothing has been ingested into raw yet (run `spm ingest`)."
    reasons = []
    for name in TRANSACTIONAL_EXTRACTS:
        if name in existing and con.execute(f"SELECT count(*) FROM {raw_table(BY_NAME[name])}").fetchone()[0]:
            return None
        reasons.append(_why_empty(con, name))
    return (
        "no transactional rows loaded, so there is no as-of date and nothing to build: "
        + "; ".join(reasons)
        + "."
    )


def missing_required_message(con: duckdb.DuckDBPyConnection) -> str | None:
    """None when every extract a run cannot go without (extracts.REQUIRED_TO_RUN) has a row in raw; else the
    sentence that stops the run before dbt, naming each and why (`spm run` checks the landing folder earlier; this
    covers a run started elsewhere, e.g. the Dagster UI, and an extract whose every row was quarantined)."""
    gaps = []
    for name, why in REQUIRED_TO_RUN.items():
        extract = BY_NAME[name]
        if not con.execute(f"SELECT exists (SELECT 1 FROM {raw_table(extract)})").fetchone()[0]:
            gaps.append(f"{_why_empty(con, name)} ({why})")
    return "required extract without rows, nothing built: " + "; ".join(gaps) + "." if gaps else None
