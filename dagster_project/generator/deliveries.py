"""Cutting each extract's history into the files a landing folder receives.

The contract (docs/sources.md) is that a folder holds every delivery ever received and the current state of a record is
its row with the latest change stamp. The generator therefore writes, per extract:
- one initial FULL delivery dated 20241231: the latest version of every record as of that day (records whose latest
  version is a delete are left out, as a dump would), except `hr/employee`, whose export carries ALL versions so far;
- twelve CHANGE deliveries dated the last day of each month of 2025, holding the latest version within that month
  of every record created or changed in it (new records, later versions, deletes); all versions for hr/employee;
  a month without changes still gets a header-only file, so every folder has the same 13 deliveries;
- `finance/fx_rate`: a single full file of all months, dated 20251231.
Every change stamp in a file is on or before the file's date. Rows are written in record order (ids are issued in
creation order, so files read naturally). Text is produced here by `table.format_column`, `BATCH_ROWS` rows at a
time and appended to the open file, so a file of millions of rows never exists as Python strings all at once; the
bytes do not depend on the batch size.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import numpy as np

from .table import Table, format_column
from .timeline import COMPANY_UTC_OFFSET, DAY, DELIVERY_MONTHS, END_SEC, FULL_CUTOFF_SEC, month_end, month_of

Mode = Literal["changes", "history", "single"]
FULL_DATE = "20241231"
#: Rows formatted per batch: 100,000 rows of ~15 columns peaked at ~175 MB of Python strings, 20,000 at ~35 MB, in
#: the same time (5,000 was slower).
BATCH_ROWS = 20_000


def _date_text(day: int) -> str:
    return str(np.datetime64(int(day), "D")).replace("-", "")


def _last_per_rec(rec: np.ndarray) -> np.ndarray:
    """Mask of the last row of each record (rows sorted by record then stamp)."""
    last = np.ones(len(rec), bool)
    last[:-1] = rec[1:] != rec[:-1]
    return last


def deliveries(table: Table, mode: Mode) -> Iterator[tuple[str, np.ndarray]]:
    """(file date, row positions) of every delivery of `table` (already finalized: sorted by record, stamp)."""
    stamp = table.stamp
    if (stamp > END_SEC).any():
        raise ValueError(f"{table.extract.name}: change stamps after the last delivery")
    if mode == "single":
        yield _date_text(int(month_end(DELIVERY_MONTHS[-1]))), np.arange(len(table))
        return
    bucket = np.where(
        stamp <= FULL_CUTOFF_SEC, -1, month_of((stamp + COMPANY_UTC_OFFSET) // DAY) - DELIVERY_MONTHS[0]
    )
    deleted = table.cols[table.extract.deleted_flag] if table.extract.deleted_flag else np.zeros(len(table), bool)
    for b in range(-1, len(DELIVERY_MONTHS)):
        rows = np.flatnonzero(bucket == b)
        if mode == "changes":
            rows = rows[_last_per_rec(table.rec[rows])]
            if b == -1:
                rows = rows[~deleted[rows]]
        date = FULL_DATE if b == -1 else _date_text(int(month_end(DELIVERY_MONTHS[b])))
        yield date, rows


def write_csv(path: Path, table: Table, rows: np.ndarray, batch_rows: int = BATCH_ROWS) -> int:
    """Write `rows` of `table` as an RFC 4180 CSV with the contract's column order; returns the row count."""
    if batch_rows < 1:
        raise ValueError("batch_rows must be positive")
    path.parent.mkdir(parents=True, exist_ok=True)
    names = table.extract.generated_names
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        for start in range(0, len(rows), batch_rows):
            batch = rows[start : start + batch_rows]
            columns = [format_column(table, c, batch) for c in names]
            writer.writerows(zip(*columns, strict=True))
    return len(rows)


def write_extract(out_dir: Path, table: Table, mode: Mode = "changes", batch_rows: int = BATCH_ROWS) -> tuple[int, int]:
    """Write every delivery of one extract; returns (rows written, files written)."""
    e = table.extract
    folder = out_dir / e.system / e.entity
    rows_written = files = 0
    for date, rows in deliveries(table, mode):
        rows_written += write_csv(folder / f"{e.entity}_{date}.csv", table, rows, batch_rows)
        files += 1
    return rows_written, files
