"""The incentive programmes on a pay statement (docs/incentives.md): their line names and how `spm explain-pay`
states each one's rule and figures.

A programme paid in a month is one statement line (mart_pay_statement, line = the programme), the sum of its rows
of `marts.mart_pay_incentive_lines` (one per rule and period: a quarter, a year, a deal, a month). The explanation
prints each row's rule id, period and calculation, so a rep paid under a programme sees which rule and, in the
source rows that follow, which rows. Kept apart from explain.py so the 40/50/10 plan's text stays as it was.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

#: The programmes in statement order (line_order 8..14, total_pay then 15; dbt keeps the same list in
#: macros/incentives.sql).
INCENTIVE_LINES = (
    "quarterly_ranking_bonus",
    "annual_bonus",
    "team_bonus",
    "special_project_award",
    "high_value_order_reward",
    "certification_allowance",
    "commission",
)
INCENTIVE_TABLE = "marts.mart_pay_incentive_lines"


def incentive_details(con: Any, employee_id: str, month: date) -> dict[str, list[dict[str, Any]]]:
    """The rows behind each incentive line of one statement: programme -> rows (rule, period, calculation)."""
    if INCENTIVE_TABLE.split(".", 1)[1] not in {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}:
        return {}
    cursor = con.execute(
        f"select programme, rule_id, period_key, amount, calculation from {INCENTIVE_TABLE} "
        "where employee_id = ? and paid_month = ? and has_statement order by programme, rule_id, period_key",
        [employee_id, month],
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for programme, rule_id, period_key, amount, calculation in cursor.fetchall():
        # a negative row claws back a deal-based payment: it is part of the statement's clawback line
        out.setdefault(programme if amount > 0 else "clawback", []).append(
            {"rule_id": rule_id, "period_key": period_key, "amount": amount, "calculation": calculation}
        )
    return out


def incentive_formula(line: str, details: dict[str, list[dict[str, Any]]]) -> str:
    """`rule RB-TOP3 2025Q3 5,000.00: rank 2 of 17 ...; ...` for one incentive line."""
    rows = details.get(line, [])
    if not rows:
        return "incentive line (no detail row in mart_pay_incentive_lines: rebuild the pay marts)"
    return "; ".join(
        f"rule {r['rule_id']} {r['period_key']} {Decimal(r['amount']):,.2f}: {r['calculation']}" for r in rows
    )


def with_incentive_clawbacks(text: str, details: dict[str, list[dict[str, Any]]], *, bonus_clawed_back: bool) -> str:
    """The clawback line's formula with the incentive clawbacks of the month added (unchanged without any); `text`
    is the plan's own clawback text, replaced when the plan clawed back nothing."""
    if not details.get("clawback"):
        return text
    incentive = incentive_formula("clawback", details)
    return f"{text}; {incentive}" if bonus_clawed_back else incentive
