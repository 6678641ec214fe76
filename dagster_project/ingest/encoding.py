"""The text encoding of a delivered CSV, and a UTF-8 copy for DuckDB when the file is in another one.

The rule per file: UTF-8 (with or without BOM) when every byte decodes as UTF-8; UTF-16 when the file starts with
its BOM; otherwise GB18030, the superset of GBK and GB2312 that Chinese Excel and most Chinese ERP systems save CSVs
in. A per-extract `file_formats.<extract>.encoding` in the source configuration replaces the detection (any codec
Python knows: `big5`, `cp1252`, ...). The load log says which encoding was used.

Why a copy: DuckDB's CSV reader reads UTF-8 only (other encodings need an extension downloaded at run time), and
its reject positions must be byte offsets of the text it read. So a non-UTF-8 file is decoded once, streaming, into a
temporary UTF-8 file that is staged and then deleted; the hash, the lineage and re-delivery detection stay those
of the delivered bytes. A byte that does not decode fails the file, naming the byte, its offset in the delivered
file and the setting to use; nothing is loaded from it and files loaded before stay loaded.

GB18030 decodes many byte sequences, so a file in yet another encoding (Latin-1, Windows-1252, Big5) may pass as
GB18030 and show wrong characters rather than fail: such a company sets `encoding` for the extract.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 8 << 20
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class EncodingProblem(ValueError):
    """The file's bytes are not text in the encoding chosen for it; the message names the byte and the setting."""


@dataclass(frozen=True)
class TextEncoding:
    codec: str
    """Python codec name (`utf-8-sig`, `utf-16`, `gb18030`, or the configured one)."""
    label: str
    """What the load log says: `UTF-8`, `UTF-8 with BOM`, `UTF-16`, `GB18030`, `big5 (configured)`."""

    @property
    def is_utf8(self) -> bool:
        """DuckDB reads the delivered file itself (a UTF-8 BOM it skips)."""
        return self.codec in ("utf-8", "utf-8-sig")


def _setting(extract: str) -> str:
    return f"file_formats.{extract}.encoding"


def choose(path: Path, utf8_error: str | None, configured: str | None, extract: str) -> TextEncoding:
    """The encoding to read `path` with, from its first bytes and the UTF-8 verdict of the hashing pass.

    `utf8_error` is the scan's message when a byte is not UTF-8 (None: the whole file is). GB18030 is chosen, not
    proven: `utf8_copy` proves it while copying."""
    with path.open("rb") as fh:
        head = fh.read(4)
    bom = head.startswith(codecs.BOM_UTF8)
    if configured:
        if configured in ("utf-8", "utf-8-sig"):
            if utf8_error:
                raise EncodingProblem(f"{utf8_error}, though {_setting(extract)} says utf-8")
            return TextEncoding("utf-8-sig", "UTF-8 (configured)")
        return TextEncoding(configured, f"{configured} (configured)")
    if utf8_error is None:
        return TextEncoding("utf-8-sig", "UTF-8 with BOM" if bom else "UTF-8")
    if head.startswith(_UTF16_BOMS):
        return TextEncoding("utf-16", "UTF-16")
    return TextEncoding("gb18030", "GB18030")


def sniff(path: Path, configured: str | None, extract: str) -> TextEncoding:
    """`choose` from the file's first megabyte only: enough to read the header (spm check-sources)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    error = None
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, False)
    except UnicodeDecodeError as exc:
        error = f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} near offset {exc.start})"
    return choose(path, error, configured, extract)


def _failure(enc: TextEncoding, bad: int, offset: int, extract: str, utf8_error: str | None) -> EncodingProblem:
    if enc.label.endswith("(configured)"):
        return EncodingProblem(
            f"not valid {enc.codec} (byte 0x{bad:02x} at offset {offset}), the encoding {_setting(extract)} sets"
        )
    first = f"{utf8_error} nor" if utf8_error else "not"
    return EncodingProblem(
        f"{first} {enc.label} (byte 0x{bad:02x} at offset {offset}); set {_setting(extract)} in the source "
        "configuration to the encoding the file was saved in"
    )


@contextmanager
def utf8_copy(path: Path, enc: TextEncoding, extract: str, utf8_error: str | None = None) -> Iterator[Path]:
    """`path` itself when it is UTF-8, else a temporary UTF-8 copy that is deleted on exit.

    Decoding is strict and streaming (8 MB at a time); the first byte that does not decode raises EncodingProblem
    with its offset in the delivered file."""
    if enc.is_utf8:
        yield path
        return
    fd, name = tempfile.mkstemp(prefix="spm_ingest_", suffix=".csv")
    copy = Path(name)
    try:
        decoder = codecs.getincrementaldecoder(enc.codec)("strict")
        base = 0
        with path.open("rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
            while True:
                block = src.read(_CHUNK)
                pending = len(decoder.getstate()[0])
                try:
                    dst.write(decoder.decode(block, final=not block))
                except UnicodeDecodeError as exc:
                    offset = base - pending + exc.start
                    raise _failure(enc, exc.object[exc.start], offset, extract, utf8_error) from None
                if not block:
                    break
                base += len(block)
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def read_csv_header(path: Path, enc: TextEncoding) -> list[str]:
    """The header record of a CSV in `enc` (the first record only, RFC 4180 quoting), as landing.read_csv_header."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    text = codecs.getincrementaldecoder(enc.codec)("replace").decode(head, False)
    header = next(csv.reader(io.StringIO(text, newline="")), None)
    if not header or all(not h.strip() for h in header):
        raise ValueError("empty file (no header)")
    return [h.strip() for h in header]
