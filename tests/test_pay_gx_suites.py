"""The pay statement quality gates (expectations/mart_pay_statement*.json) fire on the rule they enforce.

A good statement table passes all three suites; each test breaks one rule and checks that exactly the expected
expectation fails, so a gate that silently stops firing is noticed before a wrong payout is published.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import BuiltWarehouse, table_digest
from test_pipeline import run_dbt

from dagster_project.checks import gx_suites
from dagster_project.checks.gx_suites import SuiteOutcome, validate_dataframe
from dagster_project.pay.common import LINES

SUITES = ["mart_pay_statement", "mart_pay_statement__total_pay", "mart_pay_statement__coverage"]


@pytest.fixture(scope="module", autouse=True)
def gx_context() -> None:
    gx_suites._gx_context()


def statement(employee_id: str, month: str, amounts: list[float], **extra: object) -> list[dict[str, object]]:
    rows = []
    for line, amount in zip(LINES, [*amounts, sum(amounts)], strict=True):
        rows.append(
            {
                "employee_id": employee_id,
                "month": pd.Timestamp(month),
                "line": line,
                "amount": amount,
                "lineage_rows": 1,
                "policy_version": "2025.1",
                "is_employed": True,
                "days_employed": 30,
                "payout_factor": 0.9,
                "capability_factor": 1.0,
                "reason": None,
                "hire_date": pd.Timestamp("2020-01-01"),
                "termination_date": pd.NaT,
                "statement_window_start": pd.Timestamp("2025-01-01"),
                "statement_window_end": pd.Timestamp("2025-02-01"),
                **extra,
            }
        )
    return rows


def good() -> pd.DataFrame:
    rows = []
    rows += statement("E1", "2025-01-01", [10000.0, 2000.0, 2700.0, 600.0, 0.0, 0.0])
    rows += statement("E1", "2025-02-01", [10000.0, 1900.0, 0.0, 600.0, 500.0, -1200.5])
    rows += statement(
        "E2", "2025-02-01", [5000.13, 1920.05, 2600.07, 400.01, 0.0, 0.0], hire_date=pd.Timestamp("2025-02-16")
    )
    rows += statement(
        "E3", "2025-01-01", [3000.0, 0.0, 0.0, 200.0, 0.0, 0.0], termination_date=pd.Timestamp("2025-01-10")
    )
    return pd.DataFrame(rows)


def failed(outcome: SuiteOutcome) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((f.expectation_type, tuple(f.columns)) for f in outcome.failed)


@pytest.mark.unit
@pytest.mark.parametrize("suite", SUITES)
def test_a_good_statement_table_passes(suite: str) -> None:
    outcome = validate_dataframe(good(), suite)
    assert outcome.success, outcome.describe()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        # a repeated line: the grain (employee_id, month, line) is the contract's unique constraint
        ("insert into intermediate.int_pay_statement_lines select * from intermediate.int_pay_statement_lines "
         "limit 1", "Constraint Error"),
        # a line outside the seven: the accepted values are a check constraint
        ("update intermediate.int_pay_statement_lines set line = 'bonus' where rowid = "
         "(select min(rowid) from intermediate.int_pay_statement_lines)", "CHECK constraint failed"),
        # a null amount: not_null constraint
        ("update intermediate.int_pay_statement_lines set amount = null where rowid = "
         "(select min(rowid) from intermediate.int_pay_statement_lines)", "NOT NULL constraint failed"),
    ],
)
def test_the_grain_the_lines_and_the_amounts_are_dbt_constraints_that_stop_the_build(
    built_warehouse: BuiltWarehouse, tmp_path: Path, breakage: str, message: str
) -> None:
    """These rules left the GX suite (each guarantee once): the mart's enforced contract refuses the row, the
    build of mart_pay_statement fails naming it, and the last good table stays."""
    copy = built_warehouse.copy_to(tmp_path)
    before = table_digest(copy.warehouse, "marts")["mart_pay_statement"]
    with duckdb.connect(str(copy.warehouse)) as con:
        con.execute(breakage)
    result = run_dbt(copy.warehouse, tmp_path, "run", "--select", "mart_pay_statement")
    assert result.returncode != 0, "the mart was built from a row its contract forbids"
    assert message in result.stdout and "mart_pay_statement" in result.stdout, result.stdout[-2000:]
    assert table_digest(copy.warehouse, "marts")["mart_pay_statement"] == before


@pytest.mark.parametrize(
    ("line", "amount", "expectation"),
    [
        ("capability_bonus", -0.01, "expect_column_values_to_be_between"),
        ("clawback", 0.01, "expect_column_values_to_be_between"),
    ],
)
@pytest.mark.unit
def test_sign_rules(line: str, amount: float, expectation: str) -> None:
    df = good()
    df.loc[(df["employee_id"] == "E1") & (df["line"] == line), "amount"] = amount
    outcome = validate_dataframe(df, "mart_pay_statement")
    assert failed(outcome) == [(expectation, ("amount",))], outcome.describe()


@pytest.mark.unit
def test_a_line_without_lineage_fails() -> None:
    df = good()
    df.loc[3, "lineage_rows"] = 0
    outcome = validate_dataframe(df, "mart_pay_statement")
    assert failed(outcome) == [("expect_column_values_to_be_between", ("lineage_rows",))]


@pytest.mark.unit
def test_bonus_without_factor_must_say_why() -> None:
    df = good()
    df.loc[df["line"] == "performance_bonus", "payout_factor"] = None
    outcome = validate_dataframe(df, "mart_pay_statement")
    assert failed(outcome) == [("expect_column_values_to_not_be_null", ("reason",))]
    df.loc[df["line"] == "performance_bonus", "reason"] = "no_revenue_target"
    assert validate_dataframe(df, "mart_pay_statement").success


@pytest.mark.unit
def test_total_pay_not_equal_to_the_sum_of_lines_fails() -> None:
    df = good()
    df.loc[(df["employee_id"] == "E2") & (df["line"] == "total_pay"), "amount"] += 0.01
    outcome = validate_dataframe(df, "mart_pay_statement__total_pay")
    assert failed(outcome) == [("expect_column_values_to_be_between", ("total_pay_abs_diff",))]
    (failure,) = outcome.failed
    assert failure.unexpected_count == 1


@pytest.mark.unit
def test_a_missing_line_fails() -> None:
    df = good()
    df = df[~((df["employee_id"] == "E3") & (df["line"] == "csat_bonus"))]
    outcome = validate_dataframe(df, "mart_pay_statement__total_pay")
    assert failed(outcome) == [("expect_column_values_to_be_between", ("plan_lines",))]


@pytest.mark.unit
def test_an_incentive_line_passes_and_a_line_twice_fails() -> None:
    """docs/incentives.md: a programme paid in the month is one more line, counted in total_pay; never twice."""
    df = good()
    bonus = df[(df["employee_id"] == "E2") & (df["line"] == "total_pay")].copy()
    bonus["line"], bonus["amount"] = "team_bonus", 100.0
    df.loc[(df["employee_id"] == "E2") & (df["line"] == "total_pay"), "amount"] += 100.0
    with_bonus = pd.concat([df, bonus], ignore_index=True)
    assert validate_dataframe(with_bonus, "mart_pay_statement__total_pay").success
    twice = pd.concat([with_bonus, bonus], ignore_index=True)
    twice.loc[(twice["employee_id"] == "E2") & (twice["line"] == "total_pay"), "amount"] += 100.0
    outcome = validate_dataframe(twice, "mart_pay_statement__total_pay")
    assert failed(outcome) == [("expect_column_pair_values_to_be_equal", ("line_rows", "distinct_lines"))]


@pytest.mark.unit
def test_an_employed_rep_without_a_statement_fails() -> None:
    df = good()
    df = df[~((df["employee_id"] == "E1") & (df["month"] == pd.Timestamp("2025-02-01")))]
    outcome = validate_dataframe(df, "mart_pay_statement__coverage")
    assert failed(outcome) == [("expect_column_pair_values_to_be_equal", ("statement_months", "expected_months"))]


@pytest.mark.unit
def test_a_statement_after_termination_fails() -> None:
    df = good()
    late = df[df["employee_id"] == "E3"].copy()
    late["month"] = pd.Timestamp("2025-02-01")
    outcome = validate_dataframe(pd.concat([df, late], ignore_index=True), "mart_pay_statement__coverage")
    types = failed(outcome)
    assert ("expect_column_values_to_be_between", ("months_outside_employment",)) in types
