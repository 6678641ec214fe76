"""The in-memory form of one extract's history, and how its values become CSV text.

A `Table` holds every version of every record of one extract as typed numpy columns (ints for dates, timestamps and
amounts, str for text), plus the record number (`rec`, all versions of one record share it and files are sorted by
it) and the change stamp. Deliveries are cut from it by stamp; values are only turned into text for the rows of the
file being written, a batch of rows at a time, which keeps memory low and makes the text format a single concern.

Text columns of the large extracts (ten million tasks at scale 10) are not held as strings: an 18-character id costs
72 bytes a row as numpy text and more as Python objects. They are held lazily instead, and turned into the very same
strings only for the rows being written:
- `Coded`: positions into a small array of values (an owner's user id, an account's id, a task type);
- `Derived`: the argument of a pure function that makes the text (`sf_ids` of a sequence number).

Typed conventions, by the `kind` of the column in `extracts.py`:
- date: int64 days since epoch, `timeline.NA` for empty;
- timestamp: int64 seconds UTC; CRM columns are written as Salesforce does (`...T09:12:00.000+0000`), the other
  systems as `...T09:12:00Z`;
- decimal / int: int64 in units of 10**-decimals (`Table.decimals`, default 2 for decimals and 0 for ints), NA empty;
- bool: numpy bool, written `true`/`false`;
- anything already held as str is written as is (empty string = null).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np

from dagster_project.extracts import Extract

from .timeline import NA


def code_dtype(n_values: int) -> type[np.signedinteger]:
    """The smallest signed integer type that can index `n_values` values (codes are per row, so width matters)."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_values <= np.iinfo(dtype).max:
            return dtype
    return np.int64


class Coded:
    """A column stored as `codes`, positions into `values`; it reads as `values[codes]`.

    Taking rows keeps the same `values` object, so two slices of one column concatenate without materializing.
    """

    def __init__(self, values: np.ndarray, codes: np.ndarray) -> None:
        codes = np.asarray(codes)
        if len(codes) and (codes.min() < 0 or codes.max() >= len(values)):
            raise IndexError("codes outside the values")
        self.values = values
        self.codes = codes.astype(code_dtype(len(values)), copy=False)

    @classmethod
    def with_missing(cls, values: np.ndarray, codes: np.ndarray, missing: str = "") -> Coded:
        """Codes < 0 read as `missing` (the empty string, a null in the CSV)."""
        extended = np.append(values, np.array([missing], dtype=values.dtype))
        codes = np.asarray(codes, np.int64)  # np.where would wrap len(values) silently into a narrower type
        return cls(extended, np.where(codes >= 0, codes, len(values)))

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, idx: np.ndarray) -> Coded:
        return Coded(self.values, self.codes[idx])

    def materialize(self) -> np.ndarray:
        return self.values[self.codes]


class Derived:
    """A column computed per row by a pure, vectorised `fn` from `arg`; it reads as `fn(arg)`."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray], arg: np.ndarray) -> None:
        self.fn = fn
        self.arg = arg

    def __len__(self) -> int:
        return len(self.arg)

    def __getitem__(self, idx: np.ndarray) -> Derived:
        return Derived(self.fn, self.arg[idx])

    def materialize(self) -> np.ndarray:
        return self.fn(self.arg)


Column: TypeAlias = np.ndarray | Coded | Derived


def materialize(column: Column) -> np.ndarray:
    """The plain numpy values of a column, whichever way it is held."""
    return column if isinstance(column, np.ndarray) else column.materialize()


@dataclass
class Table:
    """All versions of all records of one extract, typed; `stamp` (seconds UTC) is the change stamp."""

    extract: Extract
    cols: dict[str, Column]
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

    def append(self, other: Table) -> Table:
        """Add the rows of `other` (deletes, deliberate oddities) to this table, in place; returns this table.

        Column by column, so a large table is never held twice while it grows by a few rows.
        """
        stamp_name = self.extract.change_stamp
        for name in list(self.cols):
            if name != stamp_name:
                self.cols[name] = _concat(self.cols[name], other.cols[name])
        self.rec = np.concatenate([self.rec, other.rec])
        self.stamp = np.concatenate([self.stamp, other.stamp])
        self.cols[stamp_name] = self.stamp
        return self

    def finalize(self) -> Table:
        """Sort by (record, stamp) and make each record's stamps strictly increasing; returns this table, reordered.

        Two versions of one record may be drawn on the same second (two payments posted on one day); the ingest
        orders versions by stamp, so ties are broken here by bumping the later one a second, never by dropping it.
        The table is reordered in place, one column at a time, so sorting ten million rows never holds two copies
        of the whole table.
        """
        order = np.lexsort((self.stamp, self.rec))
        stamp_name = self.extract.change_stamp
        for name in list(self.cols):
            if name != stamp_name:
                self.cols[name] = self.cols[name][order]
        self.rec = self.rec[order]
        self.stamp = self.stamp[order]
        del order
        self.cols[stamp_name] = self.stamp
        n = len(self)
        same_rec = self.rec[1:] == self.rec[:-1]
        if n == 0 or not (same_rec & (self.stamp[1:] <= self.stamp[:-1])).any():
            return self  # already strictly increasing within every record: the bump below would change nothing
        del same_rec
        first = np.ones(n, bool)
        first[1:] = self.rec[1:] != self.rec[:-1]
        group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        pos = np.arange(n) - group_start
        shifted = self.stamp - pos
        # cumulative max within each group: offset groups so a max never leaks across a group boundary
        base = shifted.min()
        key = np.cumsum(first) * (shifted.max() - base + 1) + (shifted - base)
        bumped = np.maximum.accumulate(key) - np.cumsum(first) * (shifted.max() - base + 1) + base + pos
        self.stamp = bumped
        self.cols[stamp_name] = bumped
        return self


def _concat(a: Column, b: Column) -> Column:
    if isinstance(a, Coded) and isinstance(b, Coded) and a.values is b.values:
        return Coded(a.values, np.concatenate([a.codes, b.codes]))
    if isinstance(a, Derived) and isinstance(b, Derived) and a.fn is b.fn:
        return Derived(a.fn, np.concatenate([a.arg, b.arg]))
    a, b = materialize(a), materialize(b)
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
    values = materialize(table.cols[name][idx])
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
