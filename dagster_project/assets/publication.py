"""Publication runs: stage a period's rows, gate them, publish a frozen version.

For each published result (the quarterly grading table, the monthly pay statements) the same three pieces:
a partitioned `<name>_candidate` asset copies the period's draft rows; Great Expectations suites check them as
blocking asset checks; the partitioned publish asset (only in the publish job) freezes them as the next version.
A failing gate stops the run before anything is published (publish.py holds the versioning itself).
"""

from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
from dagster import AssetExecutionContext

from dagster_project import publish
from dagster_project.checks.assets import build_gx_check
from dagster_project.partitions import monthly_partitions, quarterly_partitions
from dagster_project.progress import report
from dagster_project.resources import WarehouseResource


class PublishConfig(dg.Config):
    reason: str | None = None


@dataclass(frozen=True)
class PublicationAssets:
    candidate: dg.AssetsDefinition
    gates: list[dg.AssetChecksDefinition]
    published: dg.AssetsDefinition

    @property
    def candidate_key(self) -> dg.AssetKey:
        return self.candidate.key

    @property
    def published_key(self) -> dg.AssetKey:
        return self.published.key

    @property
    def publish_op(self) -> str:
        """The op of the publish asset: where a publish job's run config puts the reason (`ops: {op: {config}}`)."""
        return self.published.op.name


def build_publication_assets(
    spec: publish.Publication,
    name: str,
    partitions_def: dg.PartitionsDefinition,
    upstream: dg.AssetKey,
    suites: tuple[str, ...],
    period_of: Callable[[str], str],
    summary_sql: str,
) -> PublicationAssets:
    """The candidate asset, one blocking check per GX suite, and the publish asset of one publication."""
    candidate_key = dg.AssetKey(["publish", f"{name}_candidate"])

    @dg.asset(
        key=candidate_key,
        partitions_def=partitions_def,
        deps=[upstream],
        group_name="publication",
        kinds={"duckdb"},
        description=f"The {spec.name} rows of one period about to be published, validated by blocking gates.",
    )
    def candidate(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        period = period_of(context.partition_key)
        with warehouse.connect() as con:
            rows = publish.stage_candidate(con, spec, period)
            summary = dict(con.execute(summary_sql.format(table=spec.candidate_table)).fetchall())
        report(context, f"{spec.name} {period}: {rows} rows staged, {dict(sorted(summary.items()))}")
        return dg.MaterializeResult(metadata={"period": period, "rows": rows, **summary})

    @dg.asset(
        key=dg.AssetKey(["publish", name]),
        partitions_def=partitions_def,
        deps=[candidate_key],
        group_name="publication",
        kinds={"duckdb"},
        description=f"Frozen, versioned {spec.name} ({spec.versions_table}); a re-run after data changed adds a "
        "version with a reason and a diff, and never edits an earlier one.",
    )
    def published(
        context: AssetExecutionContext, config: PublishConfig, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        period = period_of(context.partition_key)
        with warehouse.connect() as con:
            outcome = publish.publish_candidate(con, spec, period, context.run_id, config.reason)
        report(context, outcome.describe())
        return dg.MaterializeResult(
            metadata={
                "period": period,
                "version": outcome.version or outcome.previous_version or 0,
                "published": outcome.published,
                "changes": len(outcome.changes),
                "summary": outcome.describe(limit=20),
            }
        )

    gates = [build_gx_check(candidate_key, spec.candidate_table, suite) for suite in suites]
    return PublicationAssets(candidate, gates, published)


evaluation = build_publication_assets(
    publish.EVALUATION,
    name="quarterly_evaluation",
    partitions_def=quarterly_partitions,
    upstream=dg.AssetKey(["intermediate", "int_quarterly_evaluation"]),
    suites=("mart_quarterly_evaluation", "mart_quarterly_evaluation__grade_counts"),
    period_of=publish.quarter_from_partition,
    summary_sql="select 'grade_' || coalesce(grade, 'none'), count(*) from {table} group by 1",
)

pay = build_publication_assets(
    publish.PAY,
    name="pay_statement",
    partitions_def=monthly_partitions,
    upstream=dg.AssetKey(["marts", "mart_pay_statement"]),
    suites=("mart_pay_statement", "mart_pay_statement__total_pay", "mart_pay_statement__coverage"),
    period_of=lambda key: key[:7],
    summary_sql="select 'statements', count(*) from {table} where line = 'total_pay' "
    "union all select 'total_pay', cast(sum(amount) filter (where line = 'total_pay') as bigint) from {table}",
)

publication_assets = [evaluation.candidate, evaluation.published, pay.candidate, pay.published]
publication_gates = [*evaluation.gates, *pay.gates]
