"""The BI copy of the marts on PostgreSQL, as an asset after every mart (bi/serve.py does the work).

Opt-in: it is only in the `serve_bi` job (the build of `build_warehouse`, then this publication) and the
`publish_bi` job (this asset alone: the warehouse as it is), never in `build_warehouse`, so `spm run` needs no
PostgreSQL. It depends on every mart, so in `serve_bi` it starts only when dbt build and the blocking checks passed:
a failed build publishes nothing and BI keeps the previous marts. `spm serve-bi` launches one of the two jobs
(docs/architecture.md, "One run"), so its publications are runs of the persistent instance that `make dev` lists.

The database comes from the `bi_database` resource (an EnvVar, never a run config value), and every error is
re-raised with the URL's password scrubbed (bi/redact.py): the event log keeps messages, and libpq quotes
connection strings, password included, in its own.
"""

import logging

import dagster as dg
from dagster import AssetExecutionContext

from dagster_project.assets.dbt import warehouse_dbt_assets
from dagster_project.bi.redact import redact, scrub
from dagster_project.bi.serve import publish_marts
from dagster_project.progress import report
from dagster_project.resources import BiDatabaseResource, WarehouseResource

BI_KEY = dg.AssetKey(["bi", "postgres_marts"])
MART_KEYS = sorted((k for k in warehouse_dbt_assets.keys if k.path[0] == "marts"), key=lambda k: k.path)
terminal = logging.getLogger("spm")


@dg.asset(
    key=BI_KEY,
    deps=MART_KEYS,
    group_name="bi",
    kinds={"postgres"},
    description="Every table and view of DuckDB `marts` published to the PostgreSQL database of the bi_database "
    "resource (SPM_BI_POSTGRES_URL), atomically, with the roles spm_bi_reader, spm_payroll, spm_auditor and spm_rep.",
)
def bi__postgres_marts(
    context: AssetExecutionContext, warehouse: WarehouseResource, bi_database: BiDatabaseResource
) -> dg.MaterializeResult:
    url = bi_database.url

    def warn(line: str) -> None:  # the publisher's excess rights: in the run's log and on the terminal
        terminal.warning(line)
        context.log.warning(line)

    report(context, f"serve-bi: {warehouse.warehouse} -> {redact(url)}")
    try:
        summary = publish_marts(warehouse.warehouse, url, progress=lambda line: report(context, line, detail=True),
                                warn=warn)
    except Exception as error:  # any message may quote the URL (libpq does): scrubbed, its cause dropped
        raise dg.Failure(description=f"nothing published: {scrub(str(error), url)}") from None
    report(context, f"serve-bi: {len(summary.tables)} tables, {summary.rows:,} rows in {summary.seconds:.1f} s")
    return dg.MaterializeResult(
        metadata={
            "target": summary.target,
            "publication_id": summary.publication_id,
            "tables": len(summary.tables),
            "rows": summary.rows,
            "seconds": round(summary.seconds, 2),
            "summary": dg.MetadataValue.text(summary.render()),
        }
    )
