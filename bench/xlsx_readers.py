"""Which library reads landing workbooks: openpyxl (read-only mode) against python-calamine, on one 200,000-row sheet.

The workbook is shaped like an ERP invoice export (17 columns: ids, text, two date cells, amounts as numbers, ISO
timestamps as text) and written once with openpyxl's write-only mode. Each reader then yields every row as Python
values, which is all the ingest asks of it (ingest/workbook.py turns the values into text). Prints seconds per
reader and the ratio; docs/bring-your-own-data.md quotes the figures.

    .venv/bin/python bench/xlsx_readers.py [--rows 200000] [--keep PATH]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HEADER = [
    "invoice_id", "invoice_number", "document_type", "original_invoice_id", "customer_number", "opportunity_id",
    "salesperson_employee_id", "invoice_date", "due_date", "payment_terms_days", "currency", "net_amount",
    "tax_amount", "gross_amount", "status", "is_deleted", "updated_at",
]


def write_workbook(path: Path, rows: int) -> float:
    """Write the benchmark workbook; returns the seconds it took."""
    from openpyxl import Workbook

    start = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("invoice")
    ws.append(HEADER)
    day0 = date(2024, 1, 1)
    for i in range(rows):
        d = day0 + timedelta(days=i % 700)
        net = 1000 + (i * 37) % 250_000 + 0.5
        ws.append([
            f"INV-{i:07d}", f"FP{i:08d}", "INV", None, f"C{i % 5000:06d}", f"0065g000Aa{i:08d}", f"E{i % 300:04d}",
            d, d + timedelta(days=30), 30, "CNY", net, round(net * 0.13, 2), round(net * 1.13, 2), "PAID", "false",
            f"{d.isoformat()}T07:56:56Z",
        ])
    wb.save(path)
    return time.perf_counter() - start


def read_openpyxl(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()


def read_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return sum(1 for _ in wb.get_sheet_by_index(0).iter_rows())


def timed(reader, path: Path) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    n = reader(path)
    return time.perf_counter() - start, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="write the workbook here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "invoice.xlsx"
        wrote = write_workbook(path, args.rows)
        size = path.stat().st_size / 1e6
        print(f"workbook: {args.rows:,} rows x {len(HEADER)} columns, {size:.1f} MB, written in {wrote:.1f} s")
        results = {}
        for name, reader in (("python-calamine", read_calamine), ("openpyxl read-only", read_openpyxl)):
            seconds, n = timed(reader, path)
            results[name] = seconds
            print(f"{name:20} {seconds:6.2f} s  ({n:,} rows incl. header, {n / seconds:,.0f} rows/s)")
        ratio = results["openpyxl read-only"] / results["python-calamine"]
        print(f"openpyxl read-only / python-calamine: {ratio:.1f}x")


if __name__ == "__main__":
    main()
