"""The in-memory form of one extract's history, and how its values become CSV text.

A `Table` holds every version of every record of one extract as typed numpy columns (ints for dates, timestamps and
amounts, str for text), plus the record number (`rec`, all versions of one record share it and files are sorted by
it) and the change stamp. Deliveries are cut from it by stamp; values are only turned into text for the rows of the
file being written, which keeps memory low at scale 1 (a million tasks) and makes the text format a single concern.

Typed conventions, by the `kind` of the column in `extracts.py`:
- date: int64 days since epoch, `timeline.NA` for empty;
- timestamp: int64 seconds UTC; CRM columns are written as Salesforce does (`...T09:12:00.000+0000`), the other
  systems as `...T09:12:00Z`;
- decimal / int: int64 in units of 10**-decimals (`Table.decimals`, default 2 for decimals and 0 for ints), NA empty;
- bool: numpy bool, written `true`/`false`;
- anything already held as str is written as is (empty string = null).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dagster_project.extracts import Extract

from .timeline import NA


@dataclass
class Table:
    """All versions of all records of one extract, typed; `stamp` (seconds UTC) is the change stamp."""

    extract: Extract
    cols: dict[str, np.ndarray]
    rec: np.ndarray
    stamp: np.ndarray
    decimals: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cols[self.extract.change_stamp] = self.stamp
        if self.extract.deleted_flag and self.extract.deleted_flag not in self.cols:
            self.cols[self.extract.deleted_flag] = np.zeros(len(self.rec), bool)
        missing = [c for c in self.extract.generated_names if c not in self.cols]
        extra = [c for c in self.cols if c not in self.extract.generated_names]
        if missing or extra:
            raise ValueError(f"{self.extract.name}: missing columns {missing}, unknown columns {extra}")
        lengths = {len(v) for v in self.cols.values()} | {len(self.rec), len(self.stamp)}
        if len(lengths) != 1:
            raise ValueError(f"{self.extract.name}: columns of different lengths {sorted(lengths)}")

    def __len__(self) -> int:
        return len(self.rec)

    def take(self, idx: np.ndarray) -> Table:
        """The rows at `idx` (positions or a boolean mask), as a new table."""
        return Table(
            self.extract,
            {k: v[idx] for k, v in self.cols.items()},
            self.rec[idx],
            self.stamp[idx],
            self.decimals,
        )

    def concat(self, other: Table) -> Table:
        """Rows of both tables (used to add deletes and deliberate oddities to a built table)."""
        cols = {k: _concat(v, other.cols[k]) for k, v in self.cols.items()}
        return Table(
            self.extract, cols, np.concatenate([self.rec, other.rec]), np.concatenate([self.stamp, other.stamp]),
            self.decimals,
        )

    def finalize(self) -> Table:
        """Sort by (record, stamp) and make each record's stamps strictly increasing.

        Two versions of one record may be drawn on the same second (two payments posted on one day); the ingest
        orders versions by stamp, so ties are broken here by bumping the later one a second, never by dropping it.
        """
        order = np.lexsort((self.stamp, self.rec))
        t = self.take(order)
        n = len(t)
        if n == 0:
            return t
        first = np.ones(n, bool)
        first[1:] = t.rec[1:] != t.rec[:-1]
        group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        pos = np.arange(n) - group_start
        shifted = t.stamp - pos
        # cumulative max within each group: offset groups so a max never leaks across a group boundary
        base = shifted.min()
        key = np.cumsum(first) * (shifted.max() - base + 1) + (shifted - base)
        bumped = np.maximum.accumulate(key) - np.cumsum(first) * (shifted.max() - base + 1) + base + pos
        t.stamp = bumped
        t.cols[t.extract.change_stamp] = bumped
        return t


def _concat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "U" or b.dtype.kind == "U":
        return np.concatenate([a.astype(str), b.astype(str)])
    return np.concatenate([a, b])


def _fixed(units: np.ndarray, decimals: int) -> np.ndarray:
    """Integer units of 10**-decimals as decimal text: 1234567, 2 -> "12345.67"; NA -> ""."""
    missing = units == NA
    u = np.where(missing, 0, units)
    neg = u < 0
    a = np.abs(u)
    if decimals == 0:
        text = a.astype(str)
    else:
        scale = 10**decimals
        text = np.strings.add(
            np.strings.add((a // scale).astype(str), "."), np.strings.zfill((a % scale).astype(str), decimals)
        )
    text = np.where(neg, np.strings.add("-", text), text)
    return np.where(missing, "", text)


def format_column(table: Table, name: str, idx: np.ndarray) -> list[str]:
    """Text of column `name` for rows `idx`, following the conventions in the module docstring."""
    values = table.cols[name][idx]
    if not len(values):
        return []
    if values.dtype.kind in "UO":
        return values.astype(str).tolist()
    kind = table.extract.column(name).kind
    if values.dtype == bool:
        return np.where(values, "true", "false").tolist()
    if kind == "date":
        text = np.datetime_as_string(values.astype("datetime64[D]"))
        return np.where(values == NA, "", text).tolist()
    if kind == "timestamp":
        suffix = ".000+0000" if table.extract.system == "crm" else "Z"
        text = np.strings.add(np.datetime_as_string(values.astype("datetime64[s]"), unit="s"), suffix)
        return np.where(values == NA, "", text).tolist()
    if kind == "decimal":
        return _fixed(values, table.decimals.get(name, 2)).tolist()
    if kind == "int":
        return _fixed(values, table.decimals.get(name, 0)).tolist()
    raise TypeError(f"{table.extract.name}.{name}: cannot format {values.dtype} as {kind}")
