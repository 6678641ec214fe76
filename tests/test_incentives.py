"""The incentive programmes (docs/incentives.md) on a generated company: off by default, the statements are the
40/50/10 plan's; switched on through a policy override in a copy of the warehouse, every programme pays at least
once, each paid line is on its statement with its rule and source rows, and the pay gates still hold.

The override is what a company does to turn a programme on: rows of the policy seeds with is_enabled true. Here
the seed tables of a private warehouse copy are updated and the incentive and pay models rebuilt with dbt (seeds
excluded, so the override stays), after publishing the quarters the ranking, team and annual bonuses need.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import BuiltWarehouse, build

from dagster_project import publish
from dagster_project.assets.publication import evaluation
from dagster_project.checks.gx_suites import validate_table
from dagster_project.dbt_project import DBT_EXECUTABLE
from dagster_project.jobs import publish_quarterly_evaluation_job
from dagster_project.pay.explain import explain_pay
from dagster_project.pay.incentives import INCENTIVE_LINES
from dagster_project.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.integration

#: All of 2024 (the annual bonus needs the four quarters published) and 2025Q3 (paid on the 2025-10 statements).
PUBLISHED_QUARTERS = ("2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q3")
REBUILT = (
    "path:models/intermediate/pay path:models/intermediate/incentives mart_team_quarterly_evaluation "
    "mart_annual_evaluation mart_pay_incentive_lines audit_payout_lineage mart_pay_statement"
)


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _dbt_build(warehouse: Path, target: Path) -> None:
    """dbt build of the incentive and pay models only (no seeds: the policy override in the copy stays)."""
    run = subprocess.run(
        [DBT_EXECUTABLE, "build", "--select", *REBUILT.split(), "--exclude-resource-type", "unit_test",
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR, env={**os.environ, "SPM_WAREHOUSE": str(warehouse)},
        capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


@pytest.fixture(scope="module")
def incentives_on(built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    copy = built_warehouse.copy_to(tmp_path_factory.mktemp("incentives"))
    for quarter in PUBLISHED_QUARTERS:
        result = build(
            copy.landing, copy.warehouse, job=publish_quarterly_evaluation_job,
            partition_key=publish.partition_from_quarter(quarter),
            run_config_extra={"ops": {evaluation.publish_op: {"config": {"reason": None}}}},
        )
        assert result.success, f"publishing {quarter} failed"
    con = duckdb.connect(str(copy.warehouse))
    try:
        con.execute("update config.policy_incentive_programmes set is_enabled = true")
        # The generated CRM marks no project in opportunity names: mark the partner-referred deals instead.
        con.execute("update config.policy_special_project set match_field = 'lead_source', match_value = 'Partner%'")
    finally:
        con.close()
    _dbt_build(copy.warehouse, tmp_path_factory.mktemp("dbt_target"))
    yield copy.warehouse


def test_programmes_are_off_by_default(built_warehouse: BuiltWarehouse) -> None:
    assert _rows(built_warehouse.warehouse, "select count(*) from marts.mart_pay_incentive_lines") == [(0,)]
    lines = _rows(built_warehouse.warehouse, "select distinct line from marts.mart_pay_statement")
    assert {line for (line,) in lines}.isdisjoint(INCENTIVE_LINES)
    assert _rows(built_warehouse.warehouse, "select max(line_order) from marts.mart_pay_statement") == [(7,)]


def test_every_programme_pays_at_least_once_on_a_statement(incentives_on: Path) -> None:
    paid = dict(_rows(incentives_on, """
        select line, count(*) from marts.mart_pay_statement
        where line_order between 8 and 14 and amount > 0 group by line"""))
    assert set(paid) == set(INCENTIVE_LINES), paid


def test_statement_lines_are_the_sums_of_the_programme_rows(incentives_on: Path) -> None:
    assert _rows(incentives_on, """
        with detail as (
            select employee_id, paid_month, programme, sum(amount) as amount
            from marts.mart_pay_incentive_lines where has_statement and amount > 0 group by all
        )
        select count(*) from detail d
        full join (select * from marts.mart_pay_statement where line_order between 8 and 14) s
            on s.employee_id = d.employee_id and s.month = d.paid_month and s.line = d.programme
        where s.amount is distinct from d.amount""") == [(0,)]


def test_total_pay_adds_the_incentive_lines_and_comes_last(incentives_on: Path) -> None:
    assert _rows(incentives_on, """
        select count(*) from (
            select employee_id, month,
                sum(case when line = 'total_pay' then amount end) as total,
                sum(case when line <> 'total_pay' then amount end) as lines,
                max(case when line = 'total_pay' then line_order end) as total_order,
                max(line_order) as last_order
            from marts.mart_pay_statement group by employee_id, month
        ) where total <> lines or total_order <> last_order""") == [(0,)]


def test_every_incentive_line_has_source_rows_beyond_the_salary(incentives_on: Path) -> None:
    rows = _rows(incentives_on, """
        select s.line, min(g.non_salary)
        from marts.mart_pay_statement s
        left join (
            select employee_id, month, line, count(*) filter (where source_table <> 'hr__employee') as non_salary
            from marts.audit_payout_lineage group by all
        ) g on g.employee_id = s.employee_id and g.month = s.month and g.line = s.line
        where s.line_order between 8 and 14 group by s.line""")
    assert len(rows) == len(INCENTIVE_LINES)
    assert all(count and count >= 1 for _, count in rows), rows


def test_explain_pay_names_the_rule_and_the_rows(incentives_on: Path) -> None:
    ((employee_id, month, rule_id),) = _rows(incentives_on, """
        select employee_id, paid_month, min(rule_id) from marts.mart_pay_incentive_lines
        where programme = 'team_bonus' and has_statement group by all order by all limit 1""")
    text = explain_pay(incentives_on, employee_id, f"{month:%Y-%m}")
    assert f"rule {rule_id}" in text
    assert "  team_bonus (" in text and "team_bookings" in text
    assert "sum of the six rounded lines and the incentive lines above" in text


@pytest.mark.parametrize(
    "suite", ["mart_pay_statement", "mart_pay_statement__total_pay", "mart_pay_statement__coverage"]
)
def test_the_pay_gates_pass_with_every_programme_on(incentives_on: Path, suite: str) -> None:
    outcome = validate_table(incentives_on, "marts.mart_pay_statement", suite)
    assert outcome.success, outcome.describe()


def test_a_credit_note_claws_back_a_deal_based_payment_on_the_clawback_line(incentives_on: Path) -> None:
    """docs/incentives.md, Clawbacks: the generated credit notes hit some partner-referred (project) deals."""
    rows = _rows(incentives_on, """
        select l.employee_id, l.paid_month, l.amount, s.amount,
            (select count(*) from marts.audit_payout_lineage g
             where g.employee_id = l.employee_id and g.month = l.paid_month and g.line = 'clawback'
                 and g.input_roles like '%incentive_clawback%') as clawback_sources
        from marts.mart_pay_incentive_lines l
        inner join marts.mart_pay_statement s
            on s.employee_id = l.employee_id and s.month = l.paid_month and s.line = 'clawback'
        where l.amount < 0 and l.has_statement""")
    assert rows, "no incentive clawback in the test company"
    for _, _, taken_back, clawback_line, sources in rows:
        assert clawback_line <= taken_back < 0
        assert sources >= 2  # the credit note or written-off invoice, and the deal
