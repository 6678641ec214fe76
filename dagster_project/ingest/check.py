"""`spm check-sources`: a dry run of the ingest over a landing folder, for onboarding a company's own export.

It runs the real ingest (same header matching, validation and quarantine) into an in-memory DuckDB, so what it
reports is exactly what `spm run` would do, and the warehouse file is never opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.db import ident
from dagster_project.extracts import EXTRACTS, Extract
from dagster_project.ingest.header import HeaderProblem, resolve_header
from dagster_project.ingest.landing import DeliveryFile, IngestError, extract_files
from dagster_project.ingest.load import delivered_header, ingest_extract, raw_table
from dagster_project.source_config import SourceConfig


@dataclass
class FileReport:
    """What the ingest would do with one delivery file."""

    name: str
    renamed: list[tuple[str, str]] = field(default_factory=list)
    """(contract column, delivered header) where the names differ."""
    mapped: int = 0
    unused: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    unmapped_values: list[tuple[str, str, int, str]] = field(default_factory=list)
    """(field, value, rows, configuration key to extend) of fields no formula needs."""
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantine_reasons: list[tuple[str, int]] = field(default_factory=list)
    not_current: int = 0
    failure: str | None = None
    skipped: str | None = None
    """Why the ingest would skip the file (identical bytes to another delivery)."""


@dataclass
class CheckReport:
    files: list[FileReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Folder-level problems that would stop `spm run` (a misnamed file)."""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(f.failure is None for f in self.files)


def _header(con: duckdb.DuckDBPyConnection, f: DeliveryFile, extract: Extract, config: SourceConfig) -> list[str]:
    return delivered_header(con, f, config.file_format(extract.name), extract)


def _check_extract(
    con: duckdb.DuckDBPyConnection, extract: Extract, landing: Path, config: SourceConfig, timezone: str
) -> tuple[list[FileReport], list[str]]:
    files = extract_files(landing, extract)
    reports: dict[str, FileReport] = {}
    for f in files:
        rep = FileReport(f.name)
        reports[f.name] = rep
        try:
            hm = resolve_header(extract, _header(con, f, extract, config), config)
        except (HeaderProblem, ValueError, duckdb.Error) as exc:
            rep.failure = str(exc).strip().splitlines()[0]
            continue
        rep.mapped = len(hm.mapped)
        rep.renamed = [(c, h) for c, h in hm.mapped.items() if c != h]
        rep.unused = hm.extra
        rep.missing_optional = hm.missing_optional
    notes: list[str] = []
    try:
        result = ingest_extract(con, extract, landing, "check", datetime.now(UTC), config=config, timezone=timezone)
        notes += result.warnings
    except IngestError as exc:
        if exc.result is None:
            raise
        notes += exc.result.warnings  # type: ignore[attr-defined]
    for name, status, loaded, quarantined, message in con.execute(
        "SELECT source_file, status, rows_loaded, rows_quarantined, message FROM raw._load_log WHERE extract = ?",
        [extract.name],
    ).fetchall():
        rep = reports[name]
        if status == "failed" and rep.failure is None:
            rep.failure = message
        elif status == "skipped_duplicate":
            rep.skipped = message.split(", loaded in load")[0]
        rep.rows_loaded, rep.rows_quarantined = loaded or 0, quarantined or 0
        if message and "not current" in message:
            rep.not_current = int(message.split("; ")[1].split(" ")[0])
    for name, reason, n in con.execute(
        """SELECT source_file, trim(split_part(r, ':', 1)), count(*) FROM (
               SELECT source_file, unnest(string_split(reason, '; ')) AS r FROM raw._quarantine WHERE extract = ?)
           GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2""",
        [extract.name],
    ).fetchall():
        reports[name].quarantine_reasons.append((reason, int(n)))
    for pick in config.picklists:
        if pick.extract != extract.name or pick.formula_needed:
            continue
        col = ident(pick.field)
        for name, value, n in con.execute(
            f"""SELECT _source_file, {col}, count(*) FROM {raw_table(extract)}
                WHERE {col} IS NOT NULL AND NOT list_contains(?::VARCHAR[], {col})
                GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2""",
            [list(pick.mapping)],
        ).fetchall():
            reports[name].unmapped_values.append((pick.field, value, int(n), pick.config_key))
    return list(reports.values()), notes


def check_sources(landing: Path, config: SourceConfig, timezone: str) -> CheckReport:
    """Check every extract's delivery files under `landing` against the contract and the configuration."""
    report = CheckReport()
    if not Path(landing).is_dir():
        report.problems.append(f"landing folder {landing} does not exist")
        return report
    con = duckdb.connect(":memory:")
    try:
        for extract in EXTRACTS:
            try:
                files, notes = _check_extract(con, extract, Path(landing), config, timezone)
            except IngestError as exc:
                report.problems.append(str(exc))
                continue
            report.files += files
            report.notes += [n for n in notes if n not in report.notes]
    finally:
        con.close()
    return report


def format_report(report: CheckReport, config: SourceConfig) -> str:
    """The report as `spm check-sources` prints it: one block per file, then a verdict."""
    lines = [f"source configuration: {config.path}"]
    for f in report.files:
        verdict = "FAIL" if f.failure else "ok"
        lines.append(f"{verdict:4} {f.name}")
        if f.failure:
            lines.append(f"     would fail: {f.failure}")
            continue
        if f.skipped:
            lines.append(f"     would be skipped: {f.skipped}")
        lines.append(f"     columns mapped: {f.mapped}")
        if f.renamed:
            lines.append("     matched by name: " + ", ".join(f"{c} <- {h}" for c, h in f.renamed))
        if f.missing_optional:
            lines.append("     optional columns absent (read as empty): " + ", ".join(f.missing_optional))
        if f.unused:
            lines.append(f"     columns not used ({len(f.unused)}): " + ", ".join(f.unused))
        for fld, value, n, key in f.unmapped_values:
            lines.append(f"     value not mapped (kept, warning): {fld} = {value!r} in {n} row(s); add it to {key}")
        line = f"     rows: {f.rows_loaded} would load, {f.rows_quarantined} would be quarantined"
        if f.not_current:
            line += f", {f.not_current} not current (_fivetran_active = false)"
        lines.append(line)
        for reason, n in f.quarantine_reasons:
            lines.append(f"       {n} x {reason}")
    lines += [f"note: {n}" for n in report.notes]
    lines += [f"problem: {p}" for p in report.problems]
    failed = sum(1 for f in report.files if f.failure) + len(report.problems)
    lines.append(
        f"{len(report.files)} file(s) checked: " + ("all would load" if report.ok else f"{failed} would fail")
    )
    return "\n".join(lines) + "\n"
