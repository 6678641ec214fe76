"""`explain_pay`: how every line of one monthly pay statement was derived, down to the source rows.

Reads `marts.mart_pay_statement` (the lines with their inputs) and `marts.audit_payout_lineage` (the landing
rows behind each line) read-only, and renders plain text an auditor or a rep can follow: the inputs, each line
as `share x basis x factor = amount`, and per line the extract rows (file, SHA-256 prefix, row number).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from dagster_project.pay.common import (
    LINES,
    STATEMENT_TABLE,
    StatementNotFoundError,
    fetch_dicts,
    parse_month,
    read_only,
    statement_sources,
)
from dagster_project.pay.incentives import (
    INCENTIVE_LINES,
    incentive_details,
    incentive_formula,
    with_incentive_clawbacks,
)

# The pay mix policy (dbt seed policy_pay_mix, in the config schema): the source of the factor cap the text states.
PAY_MIX_POLICY_TABLE = "config.policy_pay_mix"

_REASONS = {
    "no_revenue_target": "no revenue target for the month: no payout factor, no bonus",
    "below_threshold": "attainment below the 80% threshold: payout factor 0",
    "no_payout_tier": "attainment falls in no payout tier of the policy",
    "no_quantitative_inputs": "no KPI of the monthly score has an actual and a target",
    "quantitative_score_zero": "monthly quantitative score is 0",
    "no_published_quarter": "no published quarter before the month yet: new-hire default",
    "no_qualitative_score": "the published quarter has no qualitative score: new-hire default",
    "no_csat_score": "the published quarter has no CSAT score",
    "csat_below_threshold": "CSAT of the published quarter below the threshold",
    "no_clawback_event": "no credit note or write-off touched an earlier paid deal this month",
    "bonus_unchanged_by_removed_bookings": "bookings were removed from an earlier month but its bonus does not change",
}


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _num(value: Decimal | float | None, places: int = 4) -> str:
    if value is None:
        return "-"
    text = f"{Decimal(str(value)):.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{Decimal(value) * 100:.2f}%"


def _line_formula(row: dict[str, Any], statement: dict[str, Any]) -> str:
    line = row["line"]
    if line == "base_salary":
        return (
            f"{_money(statement['base_salary_full'])} x {statement['days_employed']} / "
            f"{statement['days_in_month']} days = {_num(statement['base_salary_exact'], 6)}"
        )
    if line in INCENTIVE_LINES:
        return incentive_formula(line, statement["incentive_details"])
    if line == "total_pay":
        if statement["incentive_details"]:
            return "sum of the six rounded lines and the incentive lines above"
        return "sum of the six rounded lines above"
    if line == "clawback":
        detail = statement.get("clawback_detail")
        text = f"-(bonus paid - bonus recomputed): {detail}" if detail else "nothing to claw back"
        return with_incentive_clawbacks(text, statement["incentive_details"])
    basis_name = row["line_basis"]
    basis = statement["target_variable_pay"] if basis_name == "target_variable_pay" else statement["base_salary_exact"]
    label = "V" if basis_name == "target_variable_pay" else "base salary"
    factor_name = {
        "base_performance_pay": "quantitative factor",
        "performance_bonus": "payout factor",
        "capability_bonus": "capability factor",
        "csat_bonus": "csat eligible",
    }[line]
    factor = "null" if row["line_factor"] is None else _num(row["line_factor"], 10)
    return f"{_num(row['line_share'])} x {label} {_num(basis, 4)} x {factor_name} {factor}"


def _inputs(statement: dict[str, Any]) -> list[str]:
    s = statement
    out = [
        "Inputs",
        f"  salary version {s['salary_version_no']}: {_money(s['base_salary_full'])} CNY/month, job level "
        f"{s['job_level']} (variable ratio {_num(s['variable_ratio'])})",
        f"  employed {s['first_day_employed']}..{s['last_day_employed']}: {s['days_employed']} of "
        f"{s['days_in_month']} days (hired {s['hire_date']}"
        + (f", last day {s['termination_date']})" if s["termination_date"] else ")"),
        f"  base salary (unrounded) {_num(s['base_salary_exact'], 6)}; V = target variable pay = base salary x "
        f"{_num(s['variable_ratio'])} = {_num(s['target_variable_pay'], 6)}",
        f"  bookings {_money(s['bookings'])} / revenue target {_money(s['revenue_target'])} = attainment "
        f"{_pct(s['attainment'])} -> tier {s['payout_tier'] or '-'}, payout factor {_num(s['payout_factor'], 6)}",
        f"  monthly quantitative score {_num(s['quantitative_score'], 4)} = rescaled weights over attainment score "
        f"{_num(s['attainment_score'], 4)}, new customers score {_num(s['new_customers_score'], 4)} "
        f"({_num(s['new_customers_weighted'])} / target {_num(s['new_customers_target'])}), collection score "
        f"{_num(s['collection_score'], 4)} (rate {_num(s['collection_rate'], 4)} / target "
        f"{_num(s['collection_target'], 4)})"
        + (f"; left out: {s['left_out_components']}" if s["left_out_components"] else "")
        + f" -> factor clamp(score / 100, 0, {_num(s['score_cap_ratio'])}) = {_num(s['quantitative_factor'], 6)}",
    ]
    if s["evaluation_quarter"]:
        out.append(
            f"  published quarter {s['evaluation_quarter']} (version {s['evaluation_version']}): qualitative score "
            f"{_num(s['qualitative_score'], 4)} -> capability factor {_num(s['capability_factor'], 6)}; CSAT "
            f"{_num(s['csat_score'], 2)} (bonus from {_num(s['csat_bonus_threshold'], 2)})"
        )
    else:
        out.append(
            f"  no published quarter before {s['month']:%Y-%m}: capability factor "
            f"{_num(s['capability_factor'])} (new-hire default), no CSAT bonus"
        )
    return out


def _sources(line: str, rows: list[dict[str, Any]]) -> list[str]:
    out = [f"  {line} ({len(rows)} row{'s' if len(rows) != 1 else ''})"]
    if line == "total_pay":
        counts = Counter(r["source_table"] for r in rows)
        out.append("    the union of the rows above: " + ", ".join(f"{t} {n}" for t, n in sorted(counts.items())))
        return out
    for r in rows:
        sha = (r["source_sha256"] or "")[:12]
        out.append(
            f"    {r['source_table']:<26} {r['source_id']:<40} {r['input_roles']:<28} "
            f"{r['source_file']} (sha256 {sha}...) row {r['source_row']}"
        )
    return out


def _score_cap_ratio(con: Any, first_day: date) -> Decimal:
    """The factor cap of the pay mix policy in force on the month's last day: the value the statement's SQL used
    (int_pay_monthly_inputs joins policy_pay_mix the same way), so the text never states a cap the policy lacks."""
    found = con.execute(
        f"select score_cap_ratio from {PAY_MIX_POLICY_TABLE} where last_day(cast(? as date)) between effective_from "
        "and effective_to",
        [first_day],
    ).fetchall()
    if len(found) != 1:
        raise ValueError(
            f"{PAY_MIX_POLICY_TABLE} has {len(found)} rows in force in {first_day:%Y-%m}, not one: "
            "the statement's factor cap cannot be explained"
        )
    return found[0][0]


def explain_pay(warehouse: Path, employee_id: str, month: str | date) -> str:
    """A readable derivation of every line of `employee_id`'s statement for `month` (YYYY-MM).

    Raises StatementNotFoundError naming the employee and month when there is no such statement, and
    FileNotFoundError when the warehouse or its pay marts are missing.
    """
    first_day = parse_month(month)
    with read_only(Path(warehouse)) as con:
        statements, lineage_source, label = statement_sources(con, first_day)
        rows = fetch_dicts(
            con,
            f"select * from {statements} s where employee_id = ? and month = ? order by line_order",
            [employee_id, first_day],
        )
        if not rows:
            known_employee = con.execute(
                f"select count(*), min(month), max(month) from {STATEMENT_TABLE} where employee_id = ?",
                [employee_id],
            ).fetchone()
            if known_employee and known_employee[0]:
                raise StatementNotFoundError(
                    f"no pay statement for employee {employee_id} in {first_day:%Y-%m}: they have statements "
                    f"from {known_employee[1]:%Y-%m} to {known_employee[2]:%Y-%m}"
                )
            raise StatementNotFoundError(
                f"no pay statement for employee {employee_id} in {first_day:%Y-%m}: employee {employee_id} has "
                "no statement at all (unknown, or not in a sales role with a variable ratio)"
            )
        lineage = fetch_dicts(
            con,
            f"select * from {lineage_source} g where employee_id = ? and month = ? "
            "order by line, source_table, source_id",
            [employee_id, first_day],
        )
        score_cap_ratio = _score_cap_ratio(con, first_day)
        details = incentive_details(con, employee_id, first_day)

    statement = {**rows[0], "score_cap_ratio": score_cap_ratio, "incentive_details": details}
    by_line = {r["line"]: r for r in rows}
    clawback = by_line.get("clawback")
    if clawback is not None:
        statement = {**statement, "clawback_detail": clawback.get("clawback_detail")}
    out = [
        f"Pay statement of {employee_id} for {first_day:%Y-%m} ({label}; policy {statement['policy_version']}, "
        f"team {statement['team_id']})",
        "",
        *_inputs(statement),
        "",
        "Lines (CNY; each amount rounded to 0.01 half away from zero at the line level only)",
    ]
    # The plan's lines, then the incentive programmes paid this month (docs/incentives.md), total_pay last.
    lines = (*LINES[:-1], *(line for line in INCENTIVE_LINES if line in by_line), LINES[-1])
    width = max(len(line) for line in lines)
    for line in lines:
        row = by_line.get(line)
        if row is None:
            out.append(f"  {line:<{width}} {'missing':>14}")
            continue
        reason = f"   [{row['reason']}: {_REASONS.get(row['reason'], row['reason'])}]" if row["reason"] else ""
        out.append(f"  {line:<{width}} {_money(row['amount']):>14}  = {_line_formula(row, statement)}{reason}")
    out += ["", "Source rows (audit_payout_lineage: extract, id, role, landing file, row)"]
    for line in lines:
        line_rows = [r for r in lineage if r["line"] == line]
        out += _sources(line, line_rows)
    return "\n".join(out) + "\n"
