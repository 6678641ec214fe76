"""Ingest: landing files -> `raw.<extract>` tables in DuckDB, with lineage, quarantine and a load log.

Plain Python on purpose (no Dagster imports): the Dagster assets wrap one `ingest_extract` call per extract,
and tests drive the same functions directly against a DuckDB file.
"""

from dagster_project.ingest.landing import DeliveryFile, IngestError, discover
from dagster_project.ingest.load import (
    LINEAGE_COLUMNS,
    IngestResult,
    ensure_raw_schema,
    ingest_extract,
    quarantine_summary,
    raw_table,
)

__all__ = [
    "LINEAGE_COLUMNS",
    "DeliveryFile",
    "IngestError",
    "IngestResult",
    "discover",
    "ensure_raw_schema",
    "ingest_extract",
    "quarantine_summary",
    "raw_table",
]
