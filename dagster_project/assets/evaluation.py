"""The quarterly evaluation run: stage a quarter's grading rows, gate them, publish a frozen version.

`quarterly_evaluation_candidate` copies the draft rows of the partition's quarter; two Great Expectations suites
check them as blocking asset checks; `published_quarterly_evaluation` (only in the publish job) then freezes them
as the next version. A failing gate stops the run before anything is published.
"""

import dagster as dg
from dagster import AssetExecutionContext

from dagster_project import publish
from dagster_project.checks.gx_suites import asset_check_result, validate_table
from dagster_project.partitions import quarterly_partitions
from dagster_project.progress import report
from dagster_project.resources import WarehouseResource

CANDIDATE_KEY = dg.AssetKey(["publish", "quarterly_evaluation_candidate"])
PUBLISHED_KEY = dg.AssetKey(["publish", "quarterly_evaluation"])
GRADING_SUITES = ("mart_quarterly_evaluation", "mart_quarterly_evaluation__grade_counts")


class PublishConfig(dg.Config):
    reason: str | None = None


@dg.asset(
    key=CANDIDATE_KEY,
    partitions_def=quarterly_partitions,
    deps=[dg.AssetKey(["intermediate", "int_quarterly_evaluation"])],
    group_name="evaluation",
    kinds={"duckdb"},
    description="The quarter's grading rows about to be published, validated by the grading-table gates.",
)
def quarterly_evaluation_candidate(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    quarter = publish.quarter_from_partition(context.partition_key)
    with warehouse.connect() as con:
        rows = publish.stage_candidate(con, publish.EVALUATION, quarter)
        grades = dict(
            con.execute(
                f"select coalesce(grade, 'none'), count(*) from {publish.EVALUATION.candidate_table} group by 1"
            ).fetchall()
        )
    report(context, f"evaluation {quarter}: {rows} reps staged, grades {dict(sorted(grades.items()))}")
    return dg.MaterializeResult(
        metadata={"quarter": quarter, "rows": rows, **{f"grade_{k}": v for k, v in grades.items()}}
    )


def _build_grading_gate(suite: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=CANDIDATE_KEY,
        name=f"gx_{suite}",
        blocking=True,
        description=f"Great Expectations suite expectations/{suite}.json on the rows about to be published.",
    )
    def _gate(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        outcome = validate_table(warehouse.warehouse, publish.EVALUATION.candidate_table, suite)
        return asset_check_result(outcome)

    return _gate


grading_gates = [_build_grading_gate(suite) for suite in GRADING_SUITES]


@dg.asset(
    key=PUBLISHED_KEY,
    partitions_def=quarterly_partitions,
    deps=[CANDIDATE_KEY],
    group_name="evaluation",
    kinds={"duckdb"},
    description="Frozen, versioned grading results (publish.quarterly_evaluation_versions); a re-run after data "
    "changed adds a version with a reason and a diff.",
)
def published_quarterly_evaluation(
    context: AssetExecutionContext, config: PublishConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    quarter = publish.quarter_from_partition(context.partition_key)
    with warehouse.connect() as con:
        outcome = publish.publish_candidate(con, publish.EVALUATION, quarter, context.run_id, config.reason)
    report(context, outcome.describe())
    return dg.MaterializeResult(
        metadata={
            "quarter": quarter,
            "version": outcome.version or outcome.previous_version or 0,
            "published": outcome.published,
            "changes": len(outcome.changes),
            "summary": outcome.describe(limit=20),
        }
    )
