"""The SHA-256 of each landing file already read, kept in the warehouse so the next ingest need not read it again.

A file's identity is the hash of its bytes (`_source_sha256`): that is how a re-delivered or already-loaded file is
recognised. Finding it means reading the whole file, and a monthly run's landing folder is mostly files loaded in
earlier months: at scale 5 that is re-reading 1.2 GB to load the month's 15 new files. So each hash is remembered
with the file's size and modification time, and a file whose size and mtime are still the recorded ones keeps its
recorded hash without being read. Any other file (new, rewritten, copied with a new mtime) is read and hashed as
before. This is the trust `spm run`'s nothing-new check already places in size and mtime (run_state.scan_landing),
kept here in the warehouse so that `spm ingest`, Dagster UI runs and a warehouse moved with its landing folder get
it too. The cache only replaces hashing: what is loaded, skipped or logged is decided from the hash exactly as before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import duckdb

from dagster_project.ingest.landing import DeliveryFile

TABLE = "raw._landing_file_hash"
DDL = """(
    source_file VARCHAR PRIMARY KEY, size_bytes BIGINT NOT NULL, mtime_ns BIGINT NOT NULL,
    source_sha256 VARCHAR NOT NULL)"""


@dataclass
class HashCache:
    """The recorded hashes of one extract's files (relative path -> (size, mtime_ns, sha256)), read once per ingest.

    New hashes are written together by `flush()`: one small write transaction per file cost ≈4 ms each, 0.75 s of a
    first load of 197 files. A hash lost to a crash before the flush only means that file is read again next time.
    """

    con: duckdb.DuckDBPyConnection
    known: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    pending: dict[str, tuple[int, int, str]] = field(default_factory=dict)

    @classmethod
    def for_folder(cls, con: duckdb.DuckDBPyConnection, folder: str) -> HashCache:
        """The hashes recorded for files under `folder` (`crm/opportunity/`)."""
        rows = con.execute(
            f"SELECT source_file, size_bytes, mtime_ns, source_sha256 FROM {TABLE} WHERE starts_with(source_file, ?)",
            [folder],
        ).fetchall()
        return cls(con, {name: (size, mtime, sha) for name, size, mtime, sha in rows})

    def lookup(self, f: DeliveryFile, st: os.stat_result) -> str | None:
        """The file's recorded hash if its size and mtime (`st`) are the recorded ones, else None (read it)."""
        recorded = self.known.get(f.name)
        if recorded is None or recorded[:2] != (st.st_size, st.st_mtime_ns):
            return None
        return recorded[2]

    def remember(self, f: DeliveryFile, st: os.stat_result, sha256: str) -> None:
        """Note a hash computed from the file's bytes, with the size and mtime it had before they were read."""
        entry = (st.st_size, st.st_mtime_ns, sha256)
        if self.known.get(f.name) != entry:
            self.known[f.name] = self.pending[f.name] = entry

    def flush(self) -> None:
        """Write the hashes noted since the last flush, in one statement."""
        if not self.pending:
            return
        values = ", ".join("(?, ?, ?, ?)" for _ in self.pending)
        params = [value for name, entry in self.pending.items() for value in (name, *entry)]
        self.con.execute(f"INSERT OR REPLACE INTO {TABLE} VALUES {values}", params)
        self.pending.clear()
