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

from dagster_project.i18n import N_, Texts, columns, pad, texts
from dagster_project.pay.common import (
    LINES,
    STATEMENT_TABLE,
    StatementNotFoundError,
    fetch_dicts,
    parse_month,
    read_only,
    reason_text,
    source_label,
    statement_sources,
)
from dagster_project.pay.incentives import (
    INCENTIVE_LINES,
    incentive_details,
    incentive_formula,
    with_incentive_clawbacks,
)
from dagster_project.settings import reader_locale

# The pay mix policy (dbt seed policy_pay_mix, in the config schema): the source of the factor cap the text states.
PAY_MIX_POLICY_TABLE = "config.policy_pay_mix"



def _num(value: Decimal | float | None, places: int = 4) -> str:
    """A factor or score as the audit reads it: up to `places` decimals, trailing zeros dropped (the same digits in
    every locale: both write a `.` decimal point; money and percentages go through Babel)."""
    if value is None:
        return "-"
    text = f"{Decimal(str(value)):.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _line_formula(row: dict[str, Any], statement: dict[str, Any], tx: Texts) -> str:
    money = tx.money_exact
    line = row["line"]
    if line == "base_salary":
        return tx._("{salary} x {days} / {days_in_month} days = {exact}", salary=money(statement["base_salary_full"]),
                    days=statement["days_employed"], days_in_month=statement["days_in_month"],
                    exact=_num(statement["base_salary_exact"], 6))
    if line in INCENTIVE_LINES:
        return incentive_formula(line, statement["incentive_details"])
    if line == "total_pay":
        if statement["incentive_details"]:
            return tx._("sum of the six rounded lines and the incentive lines above")
        return tx._("sum of the six rounded lines above")
    if line == "clawback":
        detail = statement.get("clawback_detail")
        text = (tx._("-(bonus paid - bonus recomputed): {detail}", detail=detail) if detail
                else tx._("nothing to claw back"))
        return with_incentive_clawbacks(text, statement["incentive_details"], bonus_clawed_back=bool(detail))
    basis_name = row["line_basis"]
    basis = statement["target_variable_pay"] if basis_name == "target_variable_pay" else statement["base_salary_exact"]
    label = "V" if basis_name == "target_variable_pay" else tx._("base salary")
    factor_name = {
        "base_performance_pay": N_("quantitative factor"),
        "performance_bonus": N_("payout factor"),
        "capability_bonus": N_("capability factor"),
        "csat_bonus": N_("csat eligible"),
    }[line]
    factor = "null" if row["line_factor"] is None else _num(row["line_factor"], 10)
    return tx._("{share} x {basis_label} {basis} x {factor_name} {factor}", share=_num(row["line_share"]),
                basis_label=label, basis=_num(basis, 4), factor_name=tx._(factor_name), factor=factor)


def _inputs(statement: dict[str, Any], tx: Texts) -> list[str]:
    s, money, _ = statement, tx.money_exact, tx._
    employed = dict(first=s["first_day_employed"], last=s["last_day_employed"], days=s["days_employed"],
                    days_in_month=s["days_in_month"], hired=s["hire_date"])
    out = [
        _("Inputs"),
        "  " + _("salary version {version}: {salary} CNY/month, job level {level} (variable ratio {ratio})",
                 version=s["salary_version_no"], salary=money(s["base_salary_full"]), level=tx.label(s["job_level"]),
                 ratio=_num(s["variable_ratio"])),
        "  " + (_("employed {first}..{last}: {days} of {days_in_month} days (hired {hired}, last day {left})",
                  left=s["termination_date"], **employed) if s["termination_date"]
                else _("employed {first}..{last}: {days} of {days_in_month} days (hired {hired})", **employed)),
        "  " + _("base salary (unrounded) {exact}; V = target variable pay = base salary x {ratio} = {v}",
                 exact=_num(s["base_salary_exact"], 6), ratio=_num(s["variable_ratio"]),
                 v=_num(s["target_variable_pay"], 6)),
        "  " + _("bookings {bookings} / revenue target {target} = attainment {attainment} -> tier {tier}, payout "
                 "factor {factor}", bookings=money(s["bookings"]) if s["bookings"] is not None else "-",
                 target=money(s["revenue_target"]) if s["revenue_target"] is not None else "-",
                 attainment="-" if s["attainment"] is None else tx.pct(s["attainment"], 2),
                 tier=s["payout_tier"] or "-", factor=_num(s["payout_factor"], 6)),
        "  " + _("monthly quantitative score {score} = rescaled weights over attainment score {attainment}, new "
                 "customers score {new} ({weighted} / target {new_target}), collection score {collection} (rate "
                 "{rate} / target {collection_target})", score=_num(s["quantitative_score"], 4),
                 attainment=_num(s["attainment_score"], 4), new=_num(s["new_customers_score"], 4),
                 weighted=_num(s["new_customers_weighted"]), new_target=_num(s["new_customers_target"]),
                 collection=_num(s["collection_score"], 4), rate=_num(s["collection_rate"], 4),
                 collection_target=_num(s["collection_target"], 4))
        + (_("; left out: {components}", components=s["left_out_components"]) if s["left_out_components"] else "")
        + _(" -> factor clamp(score / 100, 0, {cap}) = {factor}", cap=_num(s["score_cap_ratio"]),
            factor=_num(s["quantitative_factor"], 6)),
    ]
    if s["evaluation_quarter"]:
        out.append("  " + _(
            "published quarter {quarter} (version {version}): qualitative score {qualitative} -> capability factor "
            "{factor}; CSAT {csat} (bonus from {threshold})", quarter=s["evaluation_quarter"],
            version=s["evaluation_version"], qualitative=_num(s["qualitative_score"], 4),
            factor=_num(s["capability_factor"], 6), csat=_num(s["csat_score"], 2),
            threshold=_num(s["csat_bonus_threshold"], 2)))
    else:
        out.append("  " + _("no published quarter before {month}: capability factor {factor} (new-hire default), no "
                            "CSAT bonus", month=f"{s['month']:%Y-%m}", factor=_num(s["capability_factor"])))
    return out


def _line_name(line: str, tx: Texts) -> str:
    """A pay line as the text names it: its code in English (what the marts and the CSV hold), its label otherwise."""
    return line if tx.locale == "en" else tx.label(line)


def _sources(line: str, rows: list[dict[str, Any]], tx: Texts) -> list[str]:
    out = ["  " + tx.n_("{line} ({count} row)", "{line} ({count} rows)", len(rows), line=_line_name(line, tx))]
    if line == "total_pay":
        counts = Counter(r["source_table"] for r in rows)
        out.append("    " + tx._("the union of the rows above: {counts}",
                                 counts=", ".join(f"{t} {n}" for t, n in sorted(counts.items()))))
        return out
    for r in rows:
        sha = (r["source_sha256"] or "")[:12]
        out.append(
            f"    {r['source_table']:<26} {r['source_id']:<40} {r['input_roles']:<28} "
            + tx._("{file} (sha256 {sha}...) row {row}", file=r["source_file"], sha=sha, row=r["source_row"])
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


def explain_pay(warehouse: Path, employee_id: str, month: str | date, locale: str | None = None) -> str:
    """A readable derivation of every line of `employee_id`'s statement for `month` (YYYY-MM), in `locale`
    (default SPM_LOCALE, else English; the errors stay English: docs/locale.md).

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
    tx = texts(locale or reader_locale())
    out = [
        tx._("Pay statement of {employee} for {month} ({source}; policy {policy}, team {team})",
             employee=employee_id, month=f"{first_day:%Y-%m}", source=source_label(label, tx),
             policy=statement["policy_version"], team=statement["team_id"]),
        "",
        *_inputs(statement, tx),
        "",
        tx._("Lines (CNY; each amount rounded to 0.01 half away from zero at the line level only)"),
    ]
    # The plan's lines, then the incentive programmes paid this month (docs/incentives.md), total_pay last.
    lines = (*LINES[:-1], *(line for line in INCENTIVE_LINES if line in by_line), LINES[-1])
    names = {line: _line_name(line, tx) for line in lines}
    width = max(columns(name) for name in names.values())
    for line in lines:
        row = by_line.get(line)
        if row is None:
            out.append(f"  {pad(names[line], width)} {pad(tx._('missing'), 14, right=True)}")
            continue
        reason = f"   [{row['reason']}: {reason_text(row['reason'], tx)}]" if row["reason"] else ""
        out.append(f"  {pad(names[line], width)} {tx.money_exact(row['amount']):>14}  = "
                   f"{_line_formula(row, statement, tx)}{reason}")
    out += ["", tx._("Source rows (audit_payout_lineage: extract, id, role, landing file, row)")]
    for line in lines:
        line_rows = [r for r in lineage if r["line"] == line]
        out += _sources(line, line_rows, tx)
    return "\n".join(out) + "\n"
