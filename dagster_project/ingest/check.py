"""`spm check-sources`: a dry run of the ingest over a landing folder, for onboarding a company's own export.

It runs the real ingest (same header matching, validation and quarantine) into an in-memory DuckDB, so what it
reports is exactly what `spm run` would do, and the warehouse file is never opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.db import ident, memory
from dagster_project.extracts import BY_NAME, EXTRACTS, REQUIRED_TO_RUN, Extract
from dagster_project.ingest.header import HeaderProblem, resolve_header
from dagster_project.ingest.landing import DeliveryFile, IngestError, extract_files
from dagster_project.ingest.load import delivered_header, ingest_extract, raw_table
from dagster_project.ingest.sql import lit
from dagster_project.ingest.usable import TRANSACTIONAL_EXTRACTS
from dagster_project.source_config import SourceConfig


@dataclass
class FileReport:
    """What the ingest would do with one delivery file."""

    name: str
    renamed: list[tuple[str, str]] = field(default_factory=list)
    """(contract column, delivered header) where the names differ."""
    supplied: list[tuple[str, str]] = field(default_factory=list)
    """(contract column, what the configuration supplied it from) for columns no delivered header feeds."""
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
    """What would stop `spm run` or leave it without data: a misnamed file, a required extract missing, a file that
    would load no rows, a quarantined share above check_sources.max_quarantine_share. Each names the key to set."""
    notes: list[str] = field(default_factory=list)
    timezone: str = ""
    as_of: str | None = None
    as_of_source: str = ""
    gaps: list[str] = field(default_factory=list)
    """Data that loads but leaves a metric thin: won deals without an amount, leads without an owner, ..."""

    @property
    def ok(self) -> bool:
        return not self.problems and all(f.failure is None for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


def fix_for(extract: Extract, reason: str, config: SourceConfig) -> str:
    """The configuration key (or action) that fixes one quarantine reason class, for the report's `fix:` hint."""
    name = extract.name
    if reason.startswith("missing key "):
        col = reason.removeprefix("missing key ")
        return f"aliases.{name}.{col} if another column holds the key; else the row has none and cannot load"
    if reason.startswith("missing "):
        col = reason.removeprefix("missing ")
        return f"aliases.{name}.{col} (your header for it) or constants.{name}.{col}"
    if reason.startswith(("negative amount", "out of range")):
        return "the value itself (outside the contract's range); no setting can"
    if reason.startswith("unknown value in "):
        col = reason.removeprefix("unknown value in ")
        pick = config.picklist(name, col)
        return pick.config_key if pick else f"aliases.{name}.{col} (is the right column mapped?)"
    if reason.startswith(("unparsable record", "wrong column count")):
        return "the file itself (quoting or a short line); no setting can"
    col = reason.rsplit(" in ", 1)[-1] if " in " in reason else ""
    return f"aliases.{name}.{col} if the wrong column is mapped; else the value's format" if col else f"aliases.{name}"


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
            hm = resolve_header(extract, _header(con, f, extract, config), config, f.delivery_date, timezone)
        except (HeaderProblem, ValueError, duckdb.Error) as exc:
            rep.failure = str(exc).strip().splitlines()[0]
            continue
        rep.mapped = len(hm.mapped)
        rep.renamed = [(c, h) for c, h in hm.mapped.items() if c != h and c not in hm.supplied]
        rep.supplied = list(hm.supplied.items())
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


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchone()[0])  # type: ignore[index]


def _gaps(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rows that load but leave a metric thin, counted on the current version of each record."""
    opp, hist, lead = (raw_table(BY_NAME[n]) for n in ("crm__opportunity", "crm__opportunity_history", "crm__lead"))
    cur = (
        "SELECT * FROM {t} QUALIFY row_number() OVER (PARTITION BY \"Id\" "
        "ORDER BY {stamp} DESC, _file_order DESC, _source_row DESC) = 1"
    )
    gaps = []
    won_no_amount = _count(
        con,
        f"""SELECT count(*) FROM ({cur.format(t=opp, stamp='"SystemModstamp"')})
            WHERE lower("IsWon") IN ('true', '1', 't', 'yes') AND "Amount" IS NULL""",
    )
    if won_no_amount:
        gaps.append(f"{won_no_amount} won opportunity(ies) without an Amount: they count as won deals but book 0 "
                    "(map the amount column in aliases.crm__opportunity.Amount)")
    no_owner = _count(con, f"""SELECT count(*) FROM ({cur.format(t=lead, stamp='"SystemModstamp"')})
                                WHERE "OwnerId" IS NULL""")
    if no_owner:
        gaps.append(f"{no_owner} lead(s) without an OwnerId: no rep is credited with them "
                    "(map the owner in aliases.crm__lead.OwnerId)")
    opps = _count(con, f"SELECT count(DISTINCT \"Id\") FROM {opp}")
    if opps:
        no_history = _count(
            con,
            f"""SELECT count(DISTINCT o."Id") FROM {opp} o
                WHERE NOT EXISTS (SELECT 1 FROM {hist} h WHERE h."OpportunityId" = o."Id")""",
        )
        if no_history:
            gaps.append(f"{no_history} of {opps} opportunity(ies) without a stage history row: the funnel "
                        "(entered, advanced, conversion_rate) does not see them (deliver crm/opportunity_history)")
    return gaps


def _as_of(con: duckdb.DuckDBPyConnection, timezone: str) -> str | None:
    """The latest business date (company time) of a transactional change stamp: what `spm run` would take as the
    as-of date without SPM_AS_OF (dbt model int_run_as_of reads the same stamps of the current rows)."""
    parts = []
    for name in TRANSACTIONAL_EXTRACTS:
        extract = BY_NAME[name]
        stamp = ident(extract.change_stamp)
        parts.append(
            f"SELECT max(CAST(timezone({lit(timezone)}, try_cast({stamp} AS TIMESTAMPTZ)) AS DATE)) AS d "
            f"FROM {raw_table(extract)}"
        )
    got = con.execute(f"SELECT max(d) FROM ({' UNION ALL '.join(parts)})").fetchone()[0]  # type: ignore[index]
    return str(got) if got else None


def _refusals(report: CheckReport, landing: Path, config: SourceConfig) -> None:
    """What makes the check fail beyond unreadable files: no rows, too many quarantined, a required extract absent."""
    by_extract: dict[str, list[FileReport]] = {}
    for f in report.files:
        by_extract.setdefault(f.name.split("/")[0] + "__" + f.name.split("/")[1], []).append(f)
    for name, why in REQUIRED_TO_RUN.items():
        extract = BY_NAME[name]
        if name not in by_extract:
            report.problems.append(
                f"required extract {extract.system}/{extract.entity} missing: no delivery file in "
                f"{landing}/{extract.system}/{extract.entity}/ ({why}); `spm run` would stop before building"
            )
    for f in report.files:
        if f.failure is None and f.skipped is None and f.rows_quarantined and f.rows_loaded == 0 and not f.not_current:
            report.problems.append(
                f"{f.name}: would load no rows (all {f.rows_quarantined} quarantined; each reason's fix is listed "
                "under the file)"
            )
    for name, files in by_extract.items():
        if all(f.failure is None for f in files) and not any(
            f.rows_loaded or f.not_current or f.rows_quarantined for f in files
        ):
            report.problems.append(
                f"{name}: would load no rows: its {len(files)} file(s) hold only a header (an empty delivery "
                "is fine next to others, not alone)"
            )
    share = config.max_quarantine_share
    for name, files in by_extract.items():
        loaded = sum(f.rows_loaded for f in files)
        bad = sum(f.rows_quarantined for f in files)
        if loaded + bad and bad / (loaded + bad) > share:
            report.problems.append(
                f"{name}: {bad} of {loaded + bad} row(s) would be quarantined ({bad / (loaded + bad):.1%}), above "
                f"check_sources.max_quarantine_share = {share:.1%}: fix the reasons listed (each names its key) "
                "or raise check_sources.max_quarantine_share"
            )


def check_sources(
    landing: Path, config: SourceConfig, timezone: str, as_of: str | None = None
) -> CheckReport:
    """Check every extract's delivery files under `landing` against the contract and the configuration."""
    report = CheckReport(timezone=timezone)
    if not Path(landing).is_dir():
        report.problems.append(f"landing folder {landing} does not exist")
        return report
    con = memory()
    try:
        for extract in EXTRACTS:
            try:
                files, notes = _check_extract(con, extract, Path(landing), config, timezone)
            except IngestError as exc:
                report.problems.append(str(exc))
                continue
            report.files += files
            required = f"no delivery files for required extract {extract.system}/{extract.entity}"
            if extract.name in REQUIRED_TO_RUN:  # a problem below, not a note
                notes = [n for n in notes if n != required]
            report.notes += [n for n in notes if n not in report.notes]
        report.as_of, report.as_of_source = (as_of, "SPM_AS_OF") if as_of else (_as_of(con, timezone), "")
        report.gaps = _gaps(con)
    finally:
        con.close()
    _refusals(report, Path(landing), config)
    return report


def format_report(report: CheckReport, config: SourceConfig) -> str:
    """The report as `spm check-sources` prints it: one block per file, then a verdict."""
    lines = [f"source configuration: {config.path}" + (f" (preset {config.preset})" if config.preset else "")]
    lines.append(f"time zone: {report.timezone} (set SPM_TIMEZONE to change; dates and business days are read in it)")
    if report.as_of_source:
        lines.append(f"as-of date: {report.as_of} (from {report.as_of_source})")
    elif report.as_of:
        lines.append(f"as-of date: {report.as_of} (latest business date of a change stamp; set SPM_AS_OF to fix it)")
    else:
        lines.append("as-of date: none (no transactional row would load; set SPM_AS_OF or deliver rows)")
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
        if f.supplied:
            lines.append("     supplied by the configuration: " + ", ".join(f"{c} <- {h}" for c, h in f.supplied))
        if f.missing_optional:
            lines.append("     optional columns absent (read as empty): " + ", ".join(f.missing_optional))
        if f.unused:
            lines.append(f"     columns kept in _extra, not read by the contract ({len(f.unused)}): "
                         + ", ".join(f.unused))
        for fld, value, n, key in f.unmapped_values:
            lines.append(f"     value not mapped (kept, warning): {fld} = {value!r} in {n} row(s); add it to {key}")
        line = f"     rows: {f.rows_loaded} would load, {f.rows_quarantined} would be quarantined"
        if f.not_current:
            line += f", {f.not_current} not current (_fivetran_active = false)"
        lines.append(line)
        extract = BY_NAME["__".join(f.name.split("/")[:2])]
        for reason, n in f.quarantine_reasons:
            lines.append(f"       {n} x {reason} (fix: {fix_for(extract, reason, config)})")
    lines += [f"note: {n}" for n in report.notes]
    lines += [f"gap: {g}" for g in report.gaps]
    lines += [f"problem: {p}" for p in report.problems]
    failed = sum(1 for f in report.files if f.failure)
    total = report.rows_loaded + report.rows_quarantined
    share = f" ({report.rows_quarantined / total:.1%})" if total else ""
    rows = f"{report.rows_loaded} row(s) would load, {report.rows_quarantined} would be quarantined{share}"
    if report.ok:
        verdict = f"all would load; {rows}"
    else:
        verdict = f"{failed} would fail, {len(report.problems)} problem(s); {rows}"
    lines.append(f"{len(report.files)} file(s) checked: {verdict}")
    return "\n".join(lines) + "\n"
