"""One Dagster asset per extract: landing files -> `raw.<system>__<entity>` with lineage and quarantine.

The loading itself lives in `dagster_project.ingest` (plain Python, tested without Dagster); this module only
gives each extract an asset, a log line per file and materialization metadata a user can read in the UI.
"""


from datetime import UTC, datetime

import dagster as dg
from dagster import AssetExecutionContext

from dagster_project import ingest
from dagster_project.extracts import EXTRACTS, Extract
from dagster_project.progress import report
from dagster_project.resources import WarehouseResource

GATE_KEY = dg.AssetKey(["run", "nothing_new"])
"""The first asset of a build (assets/run.py): when it decides nothing changed, no ingest asset runs."""


def raw_asset_key(extract: Extract) -> dg.AssetKey:
    """The key dbt's sources map to as well (see the translator in assets/dbt.py)."""
    return dg.AssetKey(["raw", extract.name])


def _build_ingest_asset(extract: Extract) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(extract),
        group_name="ingest",
        deps=[GATE_KEY],
        kinds={"duckdb", "csv"},
        description=f"{extract.description} Landing folder {extract.system}/{extract.entity}/ -> "
        f"raw.{extract.name}; malformed rows go to raw._quarantine.",
    )
    def _ingest(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            result = ingest.ingest_extract(
                con,
                extract,
                warehouse.landing,
                load_id=context.run_id,
                loaded_at=datetime.now(UTC).replace(tzinfo=None),
                log=lambda message: report(context, f"{extract.name}: {message}", detail=True),
            )
            total = con.execute(f"select count(*) from {ingest.raw_table(extract)}").fetchone()[0]
        report(
            context,
            f"{extract.name}: {result.files_loaded} file(s) loaded, {result.files_skipped} skipped, "
            f"{result.rows_loaded:,} rows, {result.rows_quarantined:,} quarantined",
        )
        for warning in result.warnings:
            context.log.warning(f"{extract.name}: {warning}")
        return dg.MaterializeResult(
            metadata={
                "files_seen": result.files_seen,
                "files_loaded": result.files_loaded,
                "files_skipped_duplicate": result.files_skipped,
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "raw_rows_total": dg.MetadataValue.int(int(total)),
            }
        )

    return _ingest


ingest_assets = [_build_ingest_asset(extract) for extract in EXTRACTS]
