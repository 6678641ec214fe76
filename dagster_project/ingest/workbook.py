"""Excel workbooks (`.xlsx`, and legacy `.xls`) as landing files: one sheet read into rows of text.

Read with python-calamine (Rust's calamine): on a 200,000-row, 17-column sheet it read every row in 4.2 s against
69 s for openpyxl's read-only mode (bench/xlsx_readers.py, docs/bring-your-own-data.md), and it also reads `.xls`.
A cell becomes the text a CSV export of the same sheet would hold, so one validation serves both: a date cell is
`YYYY-MM-DD` (with ` HH:MM:SS` when it has a time of day), a number its shortest decimal form (`94860`, `12331.8`:
Excel's 15 significant digits, never an exponent), a boolean `true`/`false`, a formula its cached value (a formula's
text is never read), an empty cell nothing. A number in a date column is an Excel serial day number, which
ingest/values.py turns into a date.

The sheet is the configured one (`file_formats.<extract>.sheet`) or the first; the header is in the configured row
(`header_row`, default 1: rows above it are titles and are skipped). Each data row keeps its sheet row number as
`_source_row`, so a quarantined row is found in Excel at the row the warehouse names. Empty rows are not records;
trailing columns with neither a header nor a value are the sheet's used range, not data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path


class WorkbookProblem(ValueError):
    """The workbook or its sheet cannot be read as a delivery; the message says why and what setting helps."""


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[tuple[int, list[str | None]]] = field(default_factory=list)
    """(sheet row number, one text or None per header column) of every non-empty row below the header."""
    overflow: list[tuple[int, list[str | None]]] = field(default_factory=list)
    """Rows with a value right of the last header column: quarantined as wrong column count, all cells kept."""


def cell_text(value: object) -> str | None:
    """A cell as a CSV export of it would read (None for an empty cell)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        text = f"{value:.15g}"
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _open(path: Path):  # type: ignore[no-untyped-def]
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for a broken or encrypted file
        raise WorkbookProblem(f"not a readable workbook ({type(exc).__name__}: {exc})") from None


def sheet_names(path: Path) -> list[str]:
    return list(_open(path).sheet_names)


def read_sheet(path: Path, sheet: str | None, header_row: int, extract: str) -> Sheet:
    """The configured (or first) sheet of a workbook, header and rows as text."""
    wb = _open(path)
    names = list(wb.sheet_names)
    if not names:
        raise WorkbookProblem("the workbook has no sheet")
    name = sheet if sheet is not None else names[0]
    if name not in names:
        raise WorkbookProblem(
            f"no sheet {name!r} (sheets: {', '.join(names)}); fix file_formats.{extract}.sheet in the source "
            "configuration"
        )
    data = wb.get_sheet_by_name(name)
    # calamine yields rows from the sheet's row 1 even when its used range starts lower (and columns from the
    # range's first column), so the n-th row is sheet row n (tests/test_formats.py pins this)
    first_row = 1
    header: list[str] | None = None
    out = Sheet(name, [])
    for i, cells in enumerate(data.iter_rows()):
        row_no = first_row + i
        if row_no < header_row:
            continue
        texts = [cell_text(c) for c in cells]
        if row_no == header_row:
            header = [(t or "").strip() for t in texts]
            while header and not header[-1]:
                header.pop()
            continue
        if header is None or not any(t is not None for t in texts):
            continue
        width = len(header)
        if any(t is not None for t in texts[width:]):
            out.overflow.append((row_no, texts))
            continue
        out.rows.append((row_no, (texts + [None] * width)[:width]))
    if not header:
        raise WorkbookProblem(
            f"sheet {name!r} has no header in row {header_row}; set file_formats.{extract}.header_row to the row "
            "that holds the column names"
        )
    # trailing header-less columns with no value in any row are the used range, not data (trimmed above)
    out.header = header
    return out
