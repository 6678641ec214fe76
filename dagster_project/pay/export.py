"""`export_statements`: the month's pay statements for payroll, one CSV and one XLSX per rep.

Deterministic: the same warehouse content gives byte-identical files (rows in statement order, amounts
written from DECIMAL as fixed two-decimal text in the CSV and as numbers with a 0.00 format in the XLSX, the
workbook's timestamps and the zip entries' dates pinned), so a re-export can be diffed or checksummed.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from dagster_project.pay.common import (
    STATEMENT_TABLE,
    StatementNotFoundError,
    fetch_dicts,
    parse_month,
    read_only,
    statement_sources,
)

COLUMNS = (
    "employee_id",
    "month",
    "team_id",
    "job_level",
    "line",
    "amount",
    "currency",
    "reason",
    "policy_version",
    "days_employed",
    "days_in_month",
    "base_salary_full",
    "bookings",
    "revenue_target",
    "attainment",
    "payout_factor",
    "quantitative_score",
    "capability_factor",
    "evaluation_quarter",
)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _records(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        out.append(
            {
                "employee_id": r["employee_id"],
                "month": f"{r['month']:%Y-%m}",
                "team_id": r["team_id"],
                "job_level": r["job_level"],
                "line": r["line"],
                "amount": r["amount"],
                "currency": "CNY",
                "reason": r["reason"],
                "policy_version": r["policy_version"],
                "days_employed": r["days_employed"],
                "days_in_month": r["days_in_month"],
                "base_salary_full": r["base_salary_full"],
                "bookings": None if r["bookings"] is None else r["bookings"].quantize(Decimal("0.01")),
                "revenue_target": r["revenue_target"],
                "attainment": r["attainment"],
                "payout_factor": r["payout_factor"],
                "quantitative_score": r["quantitative_score"],
                "capability_factor": r["capability_factor"],
                "evaluation_quarter": r["evaluation_quarter"],
            }
        )
    return out


def _write_csv(path: Path, records: list[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rec in records:
        writer.writerow([_text(rec[c]) for c in COLUMNS])
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def _pin_zip(data: bytes, stamp: datetime) -> bytes:
    """Rewrite an xlsx (a zip) with every entry dated 1980-01-01, in the same order and compression, and the
    workbook's modified time (openpyxl always writes the wall clock there) set to `stamp`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", content)
            pinned = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            pinned.compress_type = info.compress_type
            pinned.external_attr = info.external_attr
            target.writestr(pinned, content)
    return target_buffer.getvalue()


def _write_xlsx(path: Path, records: list[dict[str, Any]], month: date) -> None:
    frame = pd.DataFrame(
        [{c: (float(v) if isinstance(v, Decimal) else v) for c, v in rec.items()} for rec in records],
        columns=list(COLUMNS),
    )
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="pay_statement", index=False)
        sheet = writer.sheets["pay_statement"]
        amount_col = COLUMNS.index("amount") + 1
        for (cell,) in sheet.iter_rows(min_row=2, min_col=amount_col, max_col=amount_col):
            cell.number_format = "#,##0.00"
        for column_cells in sheet.columns:
            width = max(len(_text(c.value)) for c in column_cells)
            sheet.column_dimensions[column_cells[0].column_letter].width = min(max(width + 2, 10), 40)
        pinned = datetime(month.year, month.month, month.day)
        writer.book.properties.created = pinned
        writer.book.properties.modified = pinned
        writer.book.properties.creator = "spm pay export"
        writer.book.properties.lastModifiedBy = "spm pay export"
    path.write_bytes(_pin_zip(buffer.getvalue(), pinned))


def export_statements(warehouse: Path, month: str | date, out_dir: Path) -> list[Path]:
    """Write `pay_statement_<YYYY-MM>_<employee_id>.csv` and `.xlsx` per rep with a statement in `month`.

    Returns the paths written, sorted. Raises StatementNotFoundError naming the month when no rep has a
    statement for it.
    """
    first_day = parse_month(month)
    with read_only(Path(warehouse)) as con:
        statements, _, _ = statement_sources(con, first_day)
        rows = fetch_dicts(
            con,
            f"select * from {statements} s where month = ? order by employee_id, line_order",
            [first_day],
        )
        if not rows:
            bounds = con.execute(f"select min(month), max(month) from {STATEMENT_TABLE}").fetchone()
    if not rows:
        span = f" (statements exist from {bounds[0]:%Y-%m} to {bounds[1]:%Y-%m})" if bounds and bounds[0] else ""
        raise StatementNotFoundError(f"no pay statements for {first_day:%Y-%m}{span}")

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_employee: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_employee.setdefault(row["employee_id"], []).append(row)
    written: list[Path] = []
    for employee_id in sorted(by_employee):
        records = _records(by_employee[employee_id])
        stem = f"pay_statement_{first_day:%Y-%m}_{employee_id}"
        csv_path = out_dir / f"{stem}.csv"
        xlsx_path = out_dir / f"{stem}.xlsx"
        _write_csv(csv_path, records)
        _write_xlsx(xlsx_path, records, first_day)
        written += [csv_path, xlsx_path]
    return sorted(written)
