"""Real Great Expectations validations of the committed mart_rep_monthly_kpis suite.

Each test breaks one rule on purpose, so a gate that silently stops firing (a renamed column, a suite GX
drops, a derived column never computed) shows up here rather than in a published pay statement. GX is imported
once per session by the module's cached context; each validation then takes a fraction of a second.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
import yaml

from dagster_project.checks import gx_suites
from dagster_project.checks.gx_suites import (
    FailedExpectation,
    SuiteError,
    SuiteOutcome,
    asset_check_result,
    validate_dataframe,
    validate_table,
)
from dagster_project.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.unit

SUITE = "mart_rep_monthly_kpis"


@pytest.fixture(scope="session", autouse=True)
def gx_context() -> None:
    """Build the GX context once up front, so its ≈4 s import is paid once and not charged to one test."""
    gx_suites._gx_context()


def good_kpis() -> pd.DataFrame:
    """Three reps over two months, covering a positive, a zero and a missing target."""
    return pd.DataFrame(
        {
            "employee_id": ["E001", "E002", "E003", "E001", "E002", "E003"],
            "month": pd.to_datetime(["2025-01-01"] * 3 + ["2025-02-01"] * 3),
            "team_id": ["T1", "T1", "T2", "T1", "T1", "T2"],
            "bookings": [120_000.0, 0.0, 35_000.5, 80_000.0, 10_000.0, 0.0],
            "revenue_target": [100_000.0, 50_000.0, 0.0, 100_000.0, None, 40_000.0],
            "attainment": [1.2, 0.0, None, 0.8, None, 0.0],
        }
    )


def failure(outcome: SuiteOutcome, expectation: str, column: str) -> FailedExpectation:
    """The one failure of ``expectation`` on ``column``; fails the test with the report when absent."""
    matches = [f for f in outcome.failed if f.expectation_type == expectation and column in f.columns]
    assert len(matches) == 1, outcome.describe()
    return matches[0]


def test_good_dataframe_passes() -> None:
    outcome = validate_dataframe(good_kpis(), SUITE)

    assert outcome.success, outcome.describe()
    assert outcome.failed == []
    assert outcome.evaluated == len(gx_suites.load_suite(SUITE)["expectations"])
    assert outcome.rows == 6


def test_duplicate_key_fails_and_shows_the_key(tmp_path: Path) -> None:
    """How a failed key is reported (the rep-month key itself is the mart's unique constraint, proven by
    tests/test_pipeline.py::test_a_row_breaking_a_mart_constraint_fails_the_model_and_keeps_the_last_good_table;
    a suite may still hold a key of derived rows, like a grade-count table)."""
    keyed = {"name": "keyed", "expectations": [
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["employee_id", "month"]}}]}
    (tmp_path / "keyed.json").write_text(json.dumps(keyed), encoding="utf-8")
    df = good_kpis()
    df = pd.concat([df, df.iloc[[0]]], ignore_index=True)

    outcome = validate_dataframe(df, "keyed", directory=tmp_path)

    assert not outcome.success
    dup = failure(outcome, "expect_compound_columns_to_be_unique", "employee_id")
    assert dup.columns == ["employee_id", "month"]
    assert dup.unexpected_count == 2
    assert {v["employee_id"] for v in dup.unexpected_values} == {"E001"}
    assert all(str(v["month"]).startswith("2025-01-01") for v in dup.unexpected_values)
    assert [row["employee_id"] for row in dup.sample_rows] == ["E001", "E001"]
    text = outcome.describe()
    assert "expect_compound_columns_to_be_unique [employee_id, month]" in text
    assert '"employee_id": "E001"' in text and "(x2)" in text


def test_an_attainment_without_a_target_fails_with_the_value() -> None:
    df = good_kpis()
    df.loc[4, "attainment"] = 0.5  # target null: no attainment may be shown

    outcome = validate_dataframe(df, SUITE)

    assert not outcome.success
    wrong = failure(outcome, "expect_column_values_to_be_null", "attainment")
    assert wrong.unexpected_values == [0.5]
    assert wrong.sample_rows[0]["employee_id"] == "E002"
    assert "0.5" in outcome.describe()


def test_the_suite_leaves_keys_not_nulls_and_ranges_to_the_contract() -> None:
    """Each guarantee once: negative bookings and a repeated rep-month are refused by the mart's enforced
    constraints (test_pipeline.py proves the build fails), so the suite no longer repeats them."""
    df = good_kpis()
    df.loc[4, "bookings"] = -500.0
    df = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    assert validate_dataframe(df, SUITE).success


def test_attainment_inconsistent_with_target_fails_via_derived_sql() -> None:
    df = good_kpis()
    df.loc[0, "attainment"] = 1.25  # bookings / target is 1.2

    outcome = validate_dataframe(df, SUITE)

    diff = failure(outcome, "expect_column_values_to_be_between", "attainment_abs_diff")
    assert diff.unexpected_count == 1
    row = diff.sample_rows[0]
    assert (row["employee_id"], row["bookings"], row["revenue_target"], row["attainment"]) == (
        "E001",
        120_000.0,
        100_000.0,
        1.25,
    )
    assert row["attainment_abs_diff"] == pytest.approx(0.05)
    assert [f.expectation_type for f in outcome.failed] == ["expect_column_values_to_be_between"]


@pytest.mark.parametrize(
    ("row", "attainment", "expectation"),
    [
        (0, None, "expect_column_values_to_not_be_null"),  # target 100k but no attainment
        (2, 0.7, "expect_column_values_to_be_null"),  # target 0 but an attainment
        (4, 0.1, "expect_column_values_to_be_null"),  # target null but an attainment
    ],
)
def test_attainment_nullness_follows_the_target(row: int, attainment: float | None, expectation: str) -> None:
    df = good_kpis()
    df.loc[row, "attainment"] = attainment

    outcome = validate_dataframe(df, SUITE)

    found = failure(outcome, expectation, "attainment")
    assert found.kwargs["row_condition"], "the rule only applies to rows selected by the target"
    assert found.sample_rows[0]["employee_id"] == df.loc[row, "employee_id"]


def test_validate_table_reads_duckdb_and_releases_the_file(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.mart_rep_monthly_kpis (
                employee_id varchar, month date, team_id varchar, bookings decimal(18, 2),
                revenue_target decimal(18, 2), attainment double
            )
            """
        )
        con.execute(
            """
            insert into marts.mart_rep_monthly_kpis values
                ('E001', date '2025-01-01', 'T1', 120000.00, 100000.00, 120000.00 / 100000.00),
                ('E002', date '2025-01-01', 'T1', 0.00, 0.00, null),
                ('E001', date '2025-02-01', 'T1', 1.00, null, 0.25)
            """
        )

    january = validate_table(warehouse, "marts.mart_rep_monthly_kpis", where="month = date '2025-01-01'")
    everything = validate_table(warehouse, "marts.mart_rep_monthly_kpis")

    assert january.success, january.describe()
    assert january.rows == 2 and january.suite_name == SUITE
    assert not everything.success
    assert failure(everything, "expect_column_values_to_be_null", "attainment").unexpected_values == [0.25]
    # No connection was left open: a writer can open the file straight away.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from marts.mart_rep_monthly_kpis where revenue_target is null")


def test_asset_check_result_blocks_on_failure() -> None:
    df = good_kpis()
    df.loc[4, "attainment"] = 0.5  # target null, so only the no-target rule applies
    outcome = validate_dataframe(df, SUITE)

    result = asset_check_result(outcome)
    warning = asset_check_result(outcome, blocking_severity=False)

    assert isinstance(result, dg.AssetCheckResult)
    assert result.passed is False
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert warning.severity == dg.AssetCheckSeverity.WARN
    assert result.description and result.description.startswith(f"Suite {SUITE} FAILED")
    assert result.metadata["expectations_failed"] == dg.MetadataValue.int(1)
    failures = result.metadata["failures"]
    assert isinstance(failures, dg.JsonMetadataValue)
    assert failures.data[0]["unexpected_values"] == [0.5]
    json.dumps(outcome.metadata(), allow_nan=False)  # plain JSON: no NaN, no timestamps


def test_asset_check_result_passes_on_good_data() -> None:
    result = asset_check_result(validate_dataframe(good_kpis(), SUITE))

    assert result.passed is True
    assert result.metadata["expectations_failed"] == dg.MetadataValue.int(0)


def test_repeated_validations_leave_no_gx_objects_behind() -> None:
    validate_dataframe(good_kpis(), SUITE)
    validate_dataframe(good_kpis(), SUITE)

    context, datasource = gx_suites._gx_context()
    assert context.suites.all() == []
    assert context.validation_definitions.all() == []
    assert datasource.assets == []


def test_invalid_suite_is_refused_not_silently_shrunk(tmp_path: Path) -> None:
    # GX itself only logs and drops an unknown expectation; the gate must not get quietly weaker.
    suite = {"name": "broken", "expectations": [{"type": "expect_column_values_to_be_betwen", "kwargs": {}}]}
    (tmp_path / "broken.json").write_text(json.dumps(suite))

    with pytest.raises(SuiteError, match="expect_column_values_to_be_betwen"):
        validate_dataframe(good_kpis(), "broken", directory=tmp_path)


def test_suite_name_must_match_its_file(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"name": "b", "expectations": []}))

    with pytest.raises(SuiteError, match="named after its file"):
        gx_suites.load_suite("a", tmp_path)


def test_aggregate_rule_via_derived_sql(tmp_path: Path) -> None:
    # The grade-count example of expectations/README.md, so the documented pattern is known to work.
    suite = {
        "name": "grades__grade_counts",
        "meta": {
            "derived_sql": [
                "select quarter,",
                "       count(*) filter (where grade = 'A') as a_count,",
                "       cast(floor(0.10 * count(grade)) as bigint) as expected_a_count",
                "from t group by quarter order by quarter",
            ]
        },
        "expectations": [
            {
                "type": "expect_column_pair_values_to_be_equal",
                "kwargs": {"column_A": "a_count", "column_B": "expected_a_count"},
            }
        ],
    }
    (tmp_path / "grades__grade_counts.json").write_text(json.dumps(suite))
    grades = ["A"] + ["B"] * 9 + ["A", "A"] + ["B"] * 8  # 2025Q1 has 1 A of 10; 2025Q2 has 2 A of 10
    df = pd.DataFrame({"quarter": ["2025Q1"] * 10 + ["2025Q2"] * 10, "grade": grades})

    outcome = validate_dataframe(df, "grades__grade_counts", directory=tmp_path)

    pair = failure(outcome, "expect_column_pair_values_to_be_equal", "a_count")
    assert pair.sample_rows == [{"quarter": "2025Q2", "a_count": 2, "expected_a_count": 1}]


def _graded_quarter(ranks: list[int], grades: list[str], tied: list[bool]) -> pd.DataFrame:
    n = len(ranks)
    return pd.DataFrame({
        "quarter": ["2025Q1"] * n, "is_graded": [True] * n, "grade": grades, "rank": ranks,
        "graded_reps": [n] * n, "a_count_expected": [n // 10] * n, "c_count_expected": [n // 10] * n,
        "tied_at_grade_boundary": tied,
    })


def test_the_grade_count_gate_reports_a_tie_at_the_a_boundary_and_allows_a_shared_rank() -> None:
    """Issue 22: reps the tie-breaks leave tied share a rank and the better grade; the gate (the project's own
    suite) names the tie at the A boundary, and a shared rank inside the B band is no failure."""
    inside = _graded_quarter([1, 2, 3, 3, 5, 6, 7, 8, 9, 10], ["A"] + ["B"] * 8 + ["C"], [False] * 10)
    assert validate_dataframe(inside, "mart_quarterly_evaluation__grade_counts").success
    at_a = _graded_quarter([1, 1, 3, 4, 5, 6, 7, 8, 9, 10], ["A", "A"] + ["B"] * 7 + ["C"], [True, True] + [False] * 8)
    outcome = validate_dataframe(at_a, "mart_quarterly_evaluation__grade_counts")
    tie = failure(outcome, "expect_column_values_to_be_between", "tied_at_grade_boundary")
    assert "tied" in (tie.notes or "")
    failure(outcome, "expect_column_pair_values_to_be_equal", "a_count")


def contract_constraints() -> dict[str, set[tuple[str, ...]]]:
    """Model -> what its enforced contract already guarantees: ('unique', col, ...), ('not_null', col),
    ('check', col), read from the marts' yml (the same text dbt enforces)."""
    found: dict[str, set[tuple[str, ...]]] = {}
    for path in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            if not model.get("config", {}).get("contract", {}).get("enforced"):
                continue
            have = found.setdefault(model["name"], set())
            for c in model.get("constraints", []):
                if c["type"] == "unique":
                    have.add(("unique", *c["columns"]))
            for column in model.get("columns", []):
                for c in column.get("constraints", []):
                    have.add((c["type"], column["name"]))
    return found


def repeated_guarantees(suite: dict, constraints: dict[str, set[tuple[str, ...]]]) -> list[str]:
    """Expectations of a suite over a contracted mart that say what a constraint already enforces."""
    table = suite["meta"].get("table", "")
    have = constraints.get(table.removeprefix("marts."), set()) if table.startswith("marts.") else set()
    if "__" in suite["name"]:
        return []  # a derived suite (name__aspect) validates aggregate rows of its derived_sql, not the mart's
    out = []
    for e in suite["expectations"]:
        kwargs = e["kwargs"]
        if "row_condition" in kwargs:
            continue
        column = kwargs.get("column")
        if e["type"] == "expect_compound_columns_to_be_unique" and ("unique", *kwargs["column_list"]) in have:
            out.append(f"{suite['name']}: unique {kwargs['column_list']}")
        elif e["type"] == "expect_column_values_to_not_be_null" and ("not_null", column) in have:
            out.append(f"{suite['name']}: not_null {column}")
        elif e["type"] in ("expect_column_values_to_be_between", "expect_column_values_to_be_in_set") and (
            ("check", column) in have
        ):
            out.append(f"{suite['name']}: {e['type']} {column}")
    return out


def test_each_guarantee_once_and_every_expectation_says_why() -> None:
    """Keys, not-nulls, ranges and accepted values live in the dbt contracts (they stop the build); a suite keeps
    only what dbt cannot say, each expectation with its one-line reason (docs/architecture.md, Guarantees)."""
    constraints = contract_constraints()
    assert ("unique", "employee_id", "month") in constraints["mart_rep_monthly_kpis"]  # the reader works
    suites = [gx_suites.load_suite(p.stem) for p in sorted(gx_suites.EXPECTATIONS_DIR.glob("*.json"))]
    assert len(suites) == 6
    assert [r for s in suites for r in repeated_guarantees(s, constraints)] == []
    assert [
        f"{s['name']}: {e['type']} {e['kwargs'].get('column', '')}"
        for s in suites for e in s["expectations"] if not str(e.get("meta", {}).get("reason", "")).strip()
    ] == []
    # the check finds a repeat: the suite as it was before issue 24
    old = {"name": "mart_rep_monthly_kpis", "meta": {"table": "marts.mart_rep_monthly_kpis"}, "expectations": [
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["employee_id", "month"]}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "bookings", "min_value": 0}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "attainment",
                                                                    "row_condition": {"type": "comparison"}}},
    ]}
    assert repeated_guarantees(old, constraints) == [
        "mart_rep_monthly_kpis: unique ['employee_id', 'month']",
        "mart_rep_monthly_kpis: expect_column_values_to_be_between bookings",
    ]
