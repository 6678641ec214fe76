"""`export_statements`: the month's pay statements for payroll, one CSV, one XLSX and one HTML page per rep.

The HTML page is the rep's readable statement (self-contained, opens from disk). Pay appears only here and in
`spm explain-pay`: the performance dashboard shows no pay.

Deterministic: the same warehouse content gives byte-identical files (rows in statement order, amounts
written from DECIMAL as fixed two-decimal text in the CSV and as numbers with a display format in the XLSX, the
workbook's timestamps and the zip entries' dates pinned), so a re-export can be diffed or checksummed.

Excel-safe (issue #25): the CSV starts with a UTF-8 byte order mark, without which Excel on a Chinese Windows reads
it as GBK and garbles any Chinese text; every number in the XLSX is a numeric cell with a display format
(`NUMBER_FORMATS`: money `#,##0.00`, attainment `0.00%`), never text, so a payroll clerk can sum a column.
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

import jinja2
import pandas as pd

from dagster_project.i18n import N_, Texts, template_translator, texts
from dagster_project.pay.common import (
    STATEMENT_TABLE,
    StatementNotFoundError,
    fetch_dicts,
    parse_month,
    read_only,
    reason_text,
    source_label,
    statement_sources,
)
from dagster_project.settings import reader_locale

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
#: Display format of each numeric XLSX column; the cell keeps the number itself. Money with a thousands
#: separator and 2 decimals, attainment (a ratio: 1.2 = 120%) as a percent, factors and scores as plain decimals.
MONEY_FORMAT = "#,##0.00"
NUMBER_FORMATS = {
    "amount": MONEY_FORMAT,
    "base_salary_full": MONEY_FORMAT,
    "bookings": MONEY_FORMAT,
    "revenue_target": MONEY_FORMAT,
    "attainment": "0.00%",
    "payout_factor": "0.00##",
    "quantitative_score": "0.00",
    "capability_factor": "0.00##",
    "days_employed": "0",
    "days_in_month": "0",
}
#: Written first in each CSV so Excel reads it as UTF-8 (it assumes the ANSI code page, GBK on Chinese Windows).
CSV_ENCODING = "utf-8-sig"
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


#: A text cell starting with one of these is read as a formula (or split into one) by Excel, LibreOffice and
#: Google Sheets. Text from people's files (an HR id `=HYPERLINK(...)`, a team name `@SUM(...)`) must stay text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(text: str) -> str:
    """A text cell that spreadsheets show as typed: a leading `'` before a formula trigger (OWASP's advice for CSV
    injection). Applied to text values only, so numbers (a negative amount is a Decimal) stay numbers."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _cell(value: Any) -> str:
    """A CSV cell: numbers and dates as `_text` writes them, text neutralized."""
    return neutralize_formula(value) if isinstance(value, str) else _text(value)


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


def _write_csv(path: Path, records: list[dict[str, Any]], tx: Texts | None = None) -> None:
    tx = tx or texts()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # csv quotes a field holding "\n" but not one holding a lone "\r", which readers take as a line end
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(_headers(tx))
    for rec in _localized(records, tx):
        cells = [_cell(rec[c]) for c in COLUMNS]
        (quoted if any("\r" in cell for cell in cells) else writer).writerow(cells)
    path.write_bytes(buffer.getvalue().encode(CSV_ENCODING))


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


def _write_xlsx(path: Path, records: list[dict[str, Any]], month: date, tx: Texts | None = None) -> None:
    tx = tx or texts()
    frame = pd.DataFrame(
        [{c: (float(v) if isinstance(v, Decimal) else v) for c, v in rec.items()} for rec in _localized(records, tx)],
        columns=list(COLUMNS),
    )
    frame.columns = _headers(tx)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=_sheet_name(tx), index=False)
        sheet = writer.sheets[_sheet_name(tx)]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:  # openpyxl turns any text starting with `=` into a formula cell: make it text again
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                    cell.data_type = "s"
                    cell.quotePrefix = True
        for name, number_format in NUMBER_FORMATS.items():
            col = COLUMNS.index(name) + 1
            for (cell,) in sheet.iter_rows(min_row=2, min_col=col, max_col=col):
                if cell.value is not None:
                    cell.number_format = number_format
        for column_cells in sheet.columns:
            width = max(len(_text(c.value)) for c in column_cells)
            sheet.column_dimensions[column_cells[0].column_letter].width = min(max(width + 2, 10), 40)
        pinned = datetime(month.year, month.month, month.day)
        writer.book.properties.created = pinned
        writer.book.properties.modified = pinned
        writer.book.properties.creator = "spm pay export"
        writer.book.properties.lastModifiedBy = "spm pay export"
    path.write_bytes(_pin_zip(buffer.getvalue(), pinned))


TEMPLATES = Path(__file__).parent / "templates"
#: The readable statement's title of each column and line (zh-CN); English files keep the column codes as headers,
#: as a payroll import maps them (docs/locale.md).
COLUMN_TITLES = {
    "employee_id": N_("Employee ID"), "month": N_("Month"), "team_id": N_("Team"), "job_level": N_("Job level"),
    "line": N_("Pay line"), "amount": N_("Amount"), "currency": N_("Currency"), "reason": N_("Reason"),
    "policy_version": N_("Policy version"), "days_employed": N_("Days employed"),
    "days_in_month": N_("Days in month"), "base_salary_full": N_("Full monthly base salary"),
    "bookings": N_("Bookings"), "revenue_target": N_("Revenue target"), "attainment": N_("Attainment"),
    "payout_factor": N_("Payout factor"), "quantitative_score": N_("Quantitative score"),
    "capability_factor": N_("Capability factor"), "evaluation_quarter": N_("Evaluation quarter"),
}


def _headers(tx: Texts) -> list[str]:
    return list(COLUMNS) if tx.locale == "en" else [tx._(COLUMN_TITLES[c]) for c in COLUMNS]


def _sheet_name(tx: Texts) -> str:
    return "pay_statement" if tx.locale == "en" else tx._("Pay statement")


def _localized(records: list[dict[str, Any]], tx: Texts) -> list[dict[str, Any]]:
    """The records a reader of `tx`'s language gets: in English the codes as the marts hold them; otherwise the
    line's name and the reason's sentence in the reader's language (the numbers never change)."""
    if tx.locale == "en":
        return records
    return [{**r, "line": tx.label(r["line"]),
             "job_level": None if r["job_level"] is None else tx.label(r["job_level"]),
             "reason": None if r["reason"] is None else reason_text(r["reason"], tx)} for r in records]


def _write_html(path: Path, records: list[dict[str, Any]], source: str, tx: Texts) -> None:
    first = records[0]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.globals["_"] = template_translator(tx)
    html = env.get_template("statement.html.j2").render(
        records=records, source=source_label(source, tx), amount=tx.money_exact, label=tx.label, lang=tx.html_lang,
        reason=lambda code: "" if code is None else reason_text(code, tx) if tx.locale != "en" else code,
        month=first["month"], employee_id=first["employee_id"],
        team_id=first["team_id"], job_level=first["job_level"], policy_version=first["policy_version"],
        days_employed=first["days_employed"], days_in_month=first["days_in_month"],
        evaluation_quarter=first["evaluation_quarter"], bookings=first["bookings"],
        revenue_target=first["revenue_target"],
    )
    path.write_bytes(html.encode("utf-8"))


def export_statements(warehouse: Path, month: str | date, out_dir: Path, locale: str | None = None) -> list[Path]:
    """Write `pay_statement_<YYYY-MM>_<employee_id>.csv`, `.xlsx` and `.html` per rep with a statement in `month`,
    in `locale` (default SPM_LOCALE, else English; docs/locale.md).

    Returns the paths written, sorted. Raises StatementNotFoundError naming the month when no rep has a
    statement for it.
    """
    first_day = parse_month(month)
    with read_only(Path(warehouse)) as con:
        statements, _, source = statement_sources(con, first_day)
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

    tx = texts(locale or reader_locale())
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
        _write_csv(csv_path, records, tx)
        _write_xlsx(xlsx_path, records, first_day, tx)
        html_path = out_dir / f"{stem}.html"
        _write_html(html_path, records, source, tx)
        written += [csv_path, xlsx_path, html_path]
    return sorted(written)
