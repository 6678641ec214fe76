"""The landing folder: which delivery files exist, in which order, and whether each one is readable at all.

Everything here looks at files, never at the warehouse. A delivery's order comes from its name alone
(`<entity>_<YYYYMMDD>[_<n>]`), not from file-system timestamps, because copies and re-syncs rewrite mtimes
but never names; and a name that does not fit the pattern is an error rather than something to skip, because
a skipped delivery would silently leave the warehouse behind its sources.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import os
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dagster_project.extracts import BY_NAME, Extract

FILE_PATTERN = re.compile(
    r"^(?P<entity>.+)_(?P<day>\d{8})(?:_(?P<seq>\d+))?\.(?P<fmt>csv|parquet|xlsx|xls|yaml)$"
)
"""`opportunity_20250131_2.csv`: entity, delivery date, optional sequence within the day, format. `.yaml` is the
annual plan's format (planning/plan, docs/planning.md); the load refuses it for any other extract."""

_CHUNK = 8 << 20


class IngestError(Exception):
    """A landing problem that must stop the step: a misnamed file, an unknown folder or an unreadable file.

    `result` carries what was done before the error (files loaded before a failed one stay loaded).
    """

    def __init__(self, message: str, result: object | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class DeliveryFile:
    """One delivery of one extract, located and ordered by its name."""

    path: Path
    name: str
    """Relative to the landing folder with `/` separators, e.g. `crm/opportunity/opportunity_20250131_2.csv`:
    the lineage value, stable wherever the landing folder is mounted."""
    delivery_date: date
    sequence: int
    format: str
    file_order: int = field(init=False)
    """int(YYYYMMDD) * 1000 + n, so `_10` sorts after `_2` (a plain name sort would not)."""

    def __post_init__(self) -> None:
        order = int(self.delivery_date.strftime("%Y%m%d")) * 1000 + self.sequence
        object.__setattr__(self, "file_order", order)


def _visible(folder: Path) -> Iterator[Path]:
    """Entries of a folder without dot-files (.DS_Store, .gitkeep) and Office lock files (`~$invoice_20250131.xlsx`,
    there while the workbook is open in Excel): OS, VCS and editor droppings, never deliveries."""
    return (p for p in sorted(folder.iterdir()) if not p.name.startswith((".", "~$")))


ALLOWED_ROOTS_ENV = "SPM_LANDING_ALLOWED_ROOTS"
"""Folders (os.pathsep-separated) a landing symlink may point into besides the landing folder itself."""


def _resolved(landing_dir: Path, path: Path) -> tuple[Path, str]:
    """The file a landing entry really is (symlinks followed) and its lineage name: relative to the landing
    folder when inside it, else absolute. A target outside the landing folder and the allow-list is an error:
    a link must not pull someone else's file (or `/etc/passwd`) into the warehouse."""
    rel = path.relative_to(landing_dir).as_posix()
    target = path.resolve()
    root = landing_dir.resolve()
    if target == root or root in target.parents:
        return target, target.relative_to(root).as_posix()
    allowed = [Path(p).resolve() for p in os.environ.get(ALLOWED_ROOTS_ENV, "").split(os.pathsep) if p]
    if any(a in target.parents for a in allowed):
        return target, target.as_posix()
    raise IngestError(
        f"{rel}: a symlink to {target}, outside the landing folder: copy the file in, or list its folder in "
        f"{ALLOWED_ROOTS_ENV} (docs/security.md)")


def _parse_name(landing_dir: Path, extract: Extract, path: Path) -> DeliveryFile:
    rel = path.relative_to(landing_dir).as_posix()
    m = FILE_PATTERN.match(path.name)  # the delivery's name is the link's, its file and lineage the target's
    if path.is_symlink() or landing_dir.resolve() not in path.resolve().parents:  # or a linked folder above it
        path, rel = _resolved(landing_dir, path)
    if not path.is_file() or not m or m["entity"] != extract.entity:
        raise IngestError(
            f"{rel}: not a delivery file name; expected {extract.entity}_<YYYYMMDD>[_<n>].csv, .parquet, .xlsx or .xls"
        )
    day = m["day"]
    try:
        delivered = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise IngestError(f"{rel}: {day} in the file name is not a calendar date") from None
    seq = int(m["seq"] or 0)
    if seq >= 1000:
        raise IngestError(f"{rel}: delivery sequence {seq} is too large (at most 999 per day)")
    return DeliveryFile(path, rel, delivered, seq, m["fmt"])


def extract_files(landing_dir: Path, extract: Extract) -> list[DeliveryFile]:
    """The deliveries of one extract, oldest first; [] when its folder does not exist.

    Two files with the same order (`x_20250131.csv` next to `x_20250131.parquet`, or `_2` next to `_02`)
    are an error: which one is newer decides which row wins, so it must never be a guess.
    """
    folder = landing_dir / extract.system / extract.entity
    if not folder.is_dir():
        return []
    files = sorted(
        (_parse_name(landing_dir, extract, p) for p in _visible(folder)), key=lambda f: f.file_order
    )
    for a, b in itertools.pairwise(files):
        if a.file_order == b.file_order:
            raise IngestError(f"{a.name} and {b.name}: same delivery date and sequence, order is ambiguous")
    return files


def unknown_entries(landing_dir: Path) -> list[str]:
    """Folders and files in the landing tree that belong to no known extract (relative names)."""
    known_systems = {e.system for e in BY_NAME.values()}
    unknown: list[str] = []
    for sys_dir in _visible(landing_dir):
        if not sys_dir.is_dir() or sys_dir.name not in known_systems:
            unknown.append(sys_dir.name)
            continue
        for ent_dir in _visible(sys_dir):
            if not ent_dir.is_dir() or f"{sys_dir.name}__{ent_dir.name}" not in BY_NAME:
                unknown.append(f"{sys_dir.name}/{ent_dir.name}")
    return unknown


def discover(landing_dir: Path) -> dict[str, list[DeliveryFile]]:
    """Every known extract name -> its delivery files, oldest first ([] when none arrived).

    Strict on purpose: an unknown folder (a typo like `crm/oportunity`) or a misnamed file raises, because
    the alternative is a delivery that never reaches the warehouse without anyone noticing.
    """
    landing_dir = Path(landing_dir)
    if not landing_dir.is_dir():
        raise IngestError(f"landing folder {landing_dir} does not exist")
    unknown = unknown_entries(landing_dir)
    if unknown:
        raise IngestError(
            f"unknown landing folder(s) {', '.join(unknown)}; known extracts: "
            + ", ".join(f"{e.system}/{e.entity}" for e in BY_NAME.values())
        )
    return {name: extract_files(landing_dir, extract) for name, extract in BY_NAME.items()}


def copy_without_last_delivery(landing_dir: Path, dest: Path) -> list[str]:
    """Copy `landing_dir` to `dest` without each extract's last change delivery (the files of its latest delivery
    date); an extract delivered once (a full file of all months, like finance/fx_rate) is kept whole. Returns the
    relative names held back. The warehouse built from `dest`, then fed the whole folder, is a monthly run: how the
    benchmark times one and the incremental test proves it equals a full build."""
    dest = Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest} exists: copy_without_last_delivery writes a new folder")
    files_by_extract = discover(landing_dir)
    shutil.copytree(landing_dir, dest)
    held = []
    for files in files_by_extract.values():
        if len({f.delivery_date for f in files}) < 2:
            continue
        last = max(f.delivery_date for f in files)
        for f in files:
            if f.delivery_date == last:
                (dest / f.name).unlink()
                held.append(f.name)
    return held


@dataclass(frozen=True)
class FileScan:
    """What one streaming pass over a file's bytes tells: identity, encoding, and whether a control byte occurs."""

    sha256: str
    utf8_error: str | None
    control_bytes: bool = True
    """A byte of CONTROL_BYTES occurs somewhere in the file (True when not looked for: a workbook, a Parquet file).
    In UTF-8 such a byte is never part of another character, so a UTF-8 file without one has no value with a control
    character, and the load skips that check of every value (per value it cost more than all other checks)."""


CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
"""The bytes of ingest.sql.CONTROL_PATTERN (NUL and the other controls, tab, LF and CR excepted)."""


def scan_file(path: Path, text: bool) -> FileScan:
    """Hash the file and, for CSV, check UTF-8 and look for control bytes, reading the bytes exactly once.

    The hash runs in a second thread (hashlib releases the GIL), beside the checks: an ASCII block (`isascii`, at
    memory speed) needs no UTF-8 decoding unless a character is split across the block boundary; `translate` with
    deletion finds a control byte in one C pass. Blank lines, needed only to number the records of a file the parser
    rejected some of, are found then (`blank_lines`), not for every file.
    """
    sha = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8_error: str | None = None
    control = not text
    base = 0  # absolute offset of block[0]
    carried = 0  # what the offset in the UTF-8 message is relative to: as when blank lines were found here, the
    # offset of block[0] less the 2 bytes that pass carried over from the block before
    with path.open("rb") as fh, ThreadPoolExecutor(1) as pool:
        hashing = None
        while True:
            block = fh.read(_CHUNK)
            if hashing is not None:
                hashing.result()
            final = not block
            hashing = pool.submit(sha.update, block) if block else None
            if not text:
                if final:
                    break
                continue
            if utf8_error is None and not (block.isascii() and not decoder.getstate()[0]):
                try:
                    decoder.decode(block, final)
                except UnicodeDecodeError as exc:
                    bad = exc.object[exc.start]
                    utf8_error = f"not valid UTF-8 (byte 0x{bad:02x} near offset {base - carried + exc.start})"
            if not control and len(block.translate(None, CONTROL_BYTES)) != len(block):
                control = True
            if final:
                break
            carried = min(2, carried + len(block))
            base += len(block)
    return FileScan(sha.hexdigest(), utf8_error, control)


def blank_lines(path: Path) -> tuple[int, ...]:
    """Byte offsets of the empty lines of a UTF-8 CSV outside quoted fields. DuckDB counts them in a reject's `line`
    but yields no row for them, so they are subtracted to turn `line` into a record number.

    Blank lines are found with `bytes.find` (C speed, only candidates are visited) and kept only when the number of
    quote characters before them is even: inside a quoted field an empty line is data. The last two bytes of each
    chunk are carried over so that a `\\n\\r\\n` split across chunks is still seen.
    """
    blanks: list[int] = []
    carry = b""
    base = 0  # absolute offset of buf[0]
    quotes = 0  # quote characters before buf[0]
    with path.open("rb") as fh:
        while True:
            block = fh.read(_CHUNK)
            final = not block
            buf = carry + block
            limit = len(buf) if final else max(len(buf) - 2, 0)
            found = sorted(_find_all(buf, b"\n\n", limit) + _find_all(buf, b"\n\r\n", limit))
            pos = 0
            for i in found:
                quotes += buf.count(b'"', pos, i)
                pos = i
                if quotes % 2 == 0:
                    blanks.append(base + i + 1)
            quotes += buf.count(b'"', pos, limit)
            if final:
                break
            carry = buf[limit:]
            base += limit
    return tuple(blanks)


def _find_all(buf: bytes, needle: bytes, limit: int) -> list[int]:
    """Start offsets (< limit) of every occurrence of needle, overlapping ones included."""
    out: list[int] = []
    i = buf.find(needle, 0)
    while 0 <= i < limit:
        out.append(i)
        i = buf.find(needle, i + 1)
    return out


def read_csv_header(path: Path) -> list[str]:
    """The header record, parsed with the csv module so quoting matches RFC 4180; a BOM is dropped.

    Only the first record is read: the rows themselves are DuckDB's job.
    """
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), None)
    if not header or all(not h.strip() for h in header):
        raise ValueError("empty file (no header)")
    return [h.strip() for h in header]
