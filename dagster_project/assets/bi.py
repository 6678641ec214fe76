"""The BI copy of the marts on PostgreSQL, as an asset after every mart (bi/serve.py does the work).

Opt-in: it is only in the `serve_bi` job, never in `build_warehouse`, so `spm run` needs no PostgreSQL. It depends
on every mart, so in a run it starts only when dbt build and the blocking checks passed: a failed build publishes
nothing and BI keeps the previous marts.
"""

import os

import dagster as dg
import psycopg
from dagster import AssetExecutionContext

from dagster_project.assets.dbt import warehouse_dbt_assets
from dagster_project.bi.redact import scrub
from dagster_project.bi.serve import publish_marts
from dagster_project.progress import report
from dagster_project.resources import WarehouseResource

URL_ENV = "SPM_BI_POSTGRES_URL"
MART_KEYS = sorted((k for k in warehouse_dbt_assets.keys if k.path[0] == "marts"), key=lambda k: k.path)


@dg.asset(
    key=dg.AssetKey(["bi", "postgres_marts"]),
    deps=MART_KEYS,
    group_name="bi",
    kinds={"postgres"},
    description="Every table and view of DuckDB `marts` published to the PostgreSQL database in "
    f"{URL_ENV}, atomically, with the roles spm_bi_reader, spm_payroll, spm_auditor and spm_rep.",
)
def bi__postgres_marts(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    url = os.environ.get(URL_ENV)
    if not url:
        raise dg.Failure(description=f"{URL_ENV} is not set: the PostgreSQL database to publish the marts to")
    try:
        summary = publish_marts(warehouse.warehouse, url, progress=lambda line: report(context, line, detail=True),
                                warn=context.log.warning)
    except (ValueError, TimeoutError, psycopg.Error) as error:  # the event log keeps messages: no password in them
        raise dg.Failure(description=f"nothing published: {scrub(str(error), url)}") from None
    report(context, f"serve-bi: {len(summary.tables)} tables, {summary.rows:,} rows in {summary.seconds:.1f} s")
    return dg.MaterializeResult(
        metadata={
            "target": summary.target,
            "publication_id": summary.publication_id,
            "tables": len(summary.tables),
            "rows": summary.rows,
            "seconds": round(summary.seconds, 2),
        }
    )
