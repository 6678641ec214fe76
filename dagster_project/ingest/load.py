"""Loading delivery files into `raw.<extract>` tables, one transaction per file.

The division of labour: Python decides *which* files to load and whether each one is readable at all (a few
bytes of header, one streaming hash pass); DuckDB does everything per row — parsing, rejecting malformed
records, validating, numbering and inserting — so a million-row file costs seconds, not minutes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.db import ident
from dagster_project.extracts import EXTRACTS, METRICS_FED_BY, Extract
from dagster_project.ingest import encoding, hash_cache, plan_yaml, workbook
from dagster_project.ingest.header import (
    STAGE_CONFLICT,
    HeaderMap,
    HeaderProblem,
    configure,
    normalized_expr,
    projections,
    resolve_header,
    row_checks,
    stage_conflicts_sql,
)
from dagster_project.ingest.landing import (
    DeliveryFile,
    FileScan,
    IngestError,
    blank_lines,
    extract_files,
    read_csv_header,
    scan_file,
    unknown_entries,
)
from dagster_project.ingest.sql import CONTROL_PATTERN, any_problem, csv_line_expr, lit, reasons_expr
from dagster_project.ingest.values import settle_date_orders
from dagster_project.settings import company_timezone
from dagster_project.source_config import FileFormat, SourceConfig, load_source_config

LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "VARCHAR"),
    ("_source_sha256", "VARCHAR"),
    ("_source_row", "BIGINT"),
    ("_file_order", "BIGINT"),
    ("_load_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
)

EXTRA_COLUMN = "_extra"
"""Raw column holding every delivered column the contract does not name, as a JSON object (header -> text, or the
`extra_columns:` name -> text), NULL when there was none: a company's own field reaches staging without a contract
change. One VARCHAR column rather than one column per header: the raw tables' layout stays the same for every
company and delivery (a new header needs no ALTER TABLE), and a file without extra columns stores NULL."""

_TEMP = (
    "_ingest_stage",
    "_ingest_rejects",
    "_ingest_rejects_scan",
    "_ingest_rej",
    "_ingest_ord",
    "_ingest_bad",
    "_ingest_odd",
)


_REJ_DDL = "(ord BIGINT, raw_text VARCHAR, reason VARCHAR)"
"""`_ingest_rej`: the records the parser (or a sheet's width) rejected, numbered, with their text and reason."""


@dataclass
class IngestResult:
    """What one `ingest_extract` call did; `warnings` are worth showing but did not stop anything."""

    extract: str
    files_seen: int = 0
    files_loaded: int = 0
    files_skipped: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_not_current: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _FileProblem(Exception):
    """The file cannot be read at all; the message says why (it goes to the load log and the IngestError)."""


def _discard(_: str) -> None:
    return None


def raw_table(extract: Extract) -> str:
    """`raw."crm__opportunity"`: the table the dbt sources read."""
    return f"raw.{ident(extract.name)}"


_LOG_DDL = """(
    load_id VARCHAR NOT NULL, extract VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL, file_order BIGINT,
    status VARCHAR NOT NULL CHECK (status IN ('loaded', 'skipped_duplicate', 'failed')),
    rows_loaded BIGINT, rows_quarantined BIGINT, message VARCHAR, loaded_at TIMESTAMP)"""

_QUARANTINE_DDL = """(
    extract VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_sha256 VARCHAR NOT NULL,
    source_row BIGINT, raw_text VARCHAR, reason VARCHAR NOT NULL, load_id VARCHAR, loaded_at TIMESTAMP)"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, the load log, the quarantine and every extract's raw table if missing.

    All raw tables exist even before their first delivery so dbt sources always resolve. A contract column
    added to extracts.py after a table was created is added to it (older rows read NULL there). DDL runs
    only for what is missing, so the call is cheap and does not contend with concurrent loads.
    """
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'raw'"
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    if not existing:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    if "_load_log" not in existing:
        con.execute(f"CREATE TABLE IF NOT EXISTS raw._load_log {_LOG_DDL}")
    if "_quarantine" not in existing:
        con.execute(f"CREATE TABLE IF NOT EXISTS raw._quarantine {_QUARANTINE_DDL}")
    if "_source_picklist" not in existing:
        con.execute(f"CREATE TABLE IF NOT EXISTS {PICKLIST_TABLE} {_PICKLIST_DDL}")
    if "_landing_file_hash" not in existing:
        con.execute(f"CREATE TABLE IF NOT EXISTS {hash_cache.TABLE} {hash_cache.DDL}")
    for extract in EXTRACTS:
        cols = [(c, "VARCHAR") for c in extract.column_names] + list(LINEAGE_COLUMNS) + [(EXTRA_COLUMN, "VARCHAR")]
        have = existing.get(extract.name)
        if have is None:
            ddl = ", ".join(f"{ident(n)} {t}" for n, t in cols)
            con.execute(f"CREATE TABLE IF NOT EXISTS {raw_table(extract)} ({ddl})")
            continue
        for name, typ in cols:
            if name not in have:
                con.execute(f"ALTER TABLE {raw_table(extract)} ADD COLUMN {ident(name)} {typ}")


PICKLIST_TABLE = "raw._source_picklist"
_PICKLIST_DDL = """(
    extract VARCHAR NOT NULL, field VARCHAR NOT NULL, source_value VARCHAR NOT NULL, mapped_value VARCHAR NOT NULL,
    formula_needed BOOLEAN NOT NULL, config_key VARCHAR NOT NULL, stage_order INTEGER, is_closed BOOLEAN,
    is_won BOOLEAN)"""


def write_picklists(con: duckdb.DuckDBPyConnection, config: SourceConfig) -> None:
    """Replace `raw._source_picklist` with the configuration's maps, the table dbt staging maps values with.

    Written at every ingest so the warehouse is always built with the configuration its data was loaded with;
    rewritten only when it differs, so repeated ingests change nothing.
    """
    rows = []
    stages = {v: s for s in config.stages for v in (s.value, *s.codes)}
    for p in config.picklists:
        for value, mapped in p.mapping.items():
            st = stages.get(value) if p.config_key == "stages" else None
            rows.append(
                (p.extract, p.field, value, mapped, p.formula_needed, p.config_key,
                 st.order if st else None, st.closed if st else None, st.won if st else None)
            )
    con.execute(f"CREATE TABLE IF NOT EXISTS {PICKLIST_TABLE} {_PICKLIST_DDL}")
    have = con.execute(f"SELECT * FROM {PICKLIST_TABLE} ORDER BY ALL").fetchall()
    if sorted(have, key=repr) == sorted(rows, key=repr):
        return
    con.begin()
    try:
        con.execute(f"DELETE FROM {PICKLIST_TABLE}")
        if rows:
            con.executemany(f"INSERT INTO {PICKLIST_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _naive_utc(ts: datetime) -> datetime:
    """TIMESTAMP columns hold UTC wall time; an aware datetime is converted rather than silently shifted."""
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP VIEW IF EXISTS temp.main._ingest_checked")
    con.execute("DROP VIEW IF EXISTS temp.main._ingest_named")
    con.execute("DROP VIEW IF EXISTS temp.main._ingest_rows")
    for name in _TEMP:
        con.execute(f"DROP TABLE IF EXISTS temp.main.{name}")


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, n_cols: int) -> int:
    """Parse the UTF-8 file into `_ingest_stage` (c0..cN, header order) and `_ingest_rej`; return rejected count.

    Columns get positional names so nothing from the delivered header is ever spliced into SQL. DuckDB's
    reject `line` counts the header and blank lines; the record number is line - 1 - blank lines before it.
    The blank lines (byte offsets in `path`: the UTF-8 copy of a file in another encoding has its own) are looked
    for only when the parser rejected a record: a clean file's records are numbered by their order alone.
    """
    spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_cols))
    con.execute(
        f"""CREATE TEMP TABLE _ingest_stage AS SELECT * FROM read_csv(?, columns={{{spec}}}, header=true,
            auto_detect=false, delim=',', quote='"', escape='"', strict_mode=true, null_padding=false,
            store_rejects=true, ignore_errors=true,
            rejects_table='_ingest_rejects', rejects_scan='_ingest_rejects_scan')""",
        [str(path)],
    )
    parse_rejects = con.execute("SELECT count(*) FROM _ingest_rejects").fetchone()[0]  # type: ignore[index]
    if not parse_rejects:  # the common case: no reject to number, every record is a row in file order
        con.execute(f"CREATE TEMP TABLE _ingest_rej {_REJ_DDL}")
        con.execute(
            "CREATE TEMP VIEW _ingest_rows AS SELECT rowid + 1 AS _k, rowid + 1 AS _src, * FROM _ingest_stage"
        )
        return 0
    blanks = blank_lines(path)
    con.execute(
        f"""CREATE TEMP TABLE _ingest_rej AS
            WITH r AS (
                SELECT line,
                       bool_or(error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')) AS wrong_count,
                       min(error_message) AS msg, min(csv_line) AS csv_line,
                       -- where the record's own text begins: DuckDB's line position includes the empty
                       -- lines (and the LF of a CRLF) before it, which also lead its csv_line
                       min(line_byte_position) - 1 + length(min(csv_line))
                           - length(ltrim(min(csv_line), chr(13) || chr(10))) AS start
                FROM _ingest_rejects GROUP BY line)
            , b AS (SELECT pos, row_number() OVER (ORDER BY pos) AS n FROM unnest(?::BIGINT[]) AS t(pos))
            SELECT r.line - 1 - coalesce(b.n, 0) AS ord,
                   rtrim(ltrim(r.csv_line, chr(13) || chr(10)), chr(13) || chr(10)) AS raw_text,
                   CASE WHEN r.wrong_count THEN 'wrong column count: expected {n_cols} fields'
                        ELSE 'unparsable record: ' || r.msg END AS reason
            FROM r ASOF LEFT JOIN b ON r.start > b.pos""",
        [list(blanks)],
    )
    accepted, rejected, lo, hi, distinct = con.execute(
        """SELECT (SELECT count(*) FROM _ingest_stage), count(*), min(ord), max(ord), count(DISTINCT ord)
           FROM _ingest_rej"""
    ).fetchone()  # type: ignore[misc]
    # Here the parser rejected something, so `rejected` (its records, grouped by line) is at least 1.
    if lo < 1 or hi > accepted + rejected or distinct != rejected:
        raise _FileProblem("could not number the records of this file (parser line numbers inconsistent)")
    con.execute(
        """CREATE TEMP TABLE _ingest_ord AS
           SELECT row_number() OVER (ORDER BY t.o) AS k, t.o AS ord
           FROM range(1, ? + 1) AS t(o) WHERE t.o NOT IN (SELECT ord FROM _ingest_rej)""",
        [accepted + rejected],
    )
    con.execute(
        """CREATE TEMP VIEW _ingest_rows AS SELECT s.rowid + 1 AS _k, o.ord AS _src, s.*
           FROM _ingest_stage s JOIN _ingest_ord o ON o.k = s.rowid + 1"""
    )
    return rejected


def _stage_parquet(con: duckdb.DuckDBPyConnection, f: DeliveryFile) -> list[str]:
    """Read a Parquet delivery into `_ingest_stage` as text, like a CSV would have delivered it.

    Typed columns are rendered as the CSV contract writes them (an aware timestamp as ISO 8601 UTC with `Z`),
    so the same validation applies; the row number is Parquet's own (0-based) file row number + 1.
    """
    cols: list[tuple[str, str]] = con.execute(
        "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))", [str(f.path)]
    ).fetchall()
    exprs = []
    for i, (name, typ) in enumerate(cols):
        if typ == "TIMESTAMP WITH TIME ZONE":
            exprs.append(f"strftime(timezone('UTC', {ident(name)}), '%Y-%m-%dT%H:%M:%S.%fZ') AS c{i}")
        else:
            exprs.append(f"CAST({ident(name)} AS VARCHAR) AS c{i}")
    select = ", ".join([*exprs, "file_row_number + 1 AS _src"])
    con.execute(
        f"CREATE TEMP TABLE _ingest_stage AS SELECT {select} FROM read_parquet(?, file_row_number=true)",
        [str(f.path)],
    )
    con.execute(f"CREATE TEMP TABLE _ingest_rej {_REJ_DDL}")
    con.execute("CREATE TEMP VIEW _ingest_rows AS SELECT rowid + 1 AS _k, * FROM _ingest_stage")
    return [n for n, _ in cols]


def _stage_text_csv(
    con: duckdb.DuckDBPyConnection, extract: Extract, f: DeliveryFile, scan: FileScan, fmt: FileFormat,
    config: SourceConfig, timezone: str,
) -> tuple[list[str], HeaderMap, str, bool]:
    """Stage a CSV in whatever encoding it came (ingest/encoding.py); (header, header map, what the log says, whether
    the staged text has a control byte: the UTF-8 copy of a file in another encoding is looked at itself)."""
    try:
        enc = encoding.choose(f.path, scan.utf8_error, fmt.encoding, extract.name)
        with encoding.utf8_copy(f.path, enc, extract.name, scan.utf8_error) as path:
            control = scan.control_bytes if path == f.path else scan_file(path, text=True).control_bytes
            header = read_csv_header(path)
            hm = _resolve(extract, header, config, f, timezone)
            _stage_csv(con, path, len(header))
    except ValueError as exc:  # EncodingProblem, or an empty file
        raise _FileProblem(str(exc)) from None
    return header, hm, f"read as {enc.label}", control


def _stage_xlsx(con: duckdb.DuckDBPyConnection, f: DeliveryFile, fmt: FileFormat, extract: Extract) -> tuple[
    list[str], str
]:
    """Read one sheet of a workbook (ingest/workbook.py) into `_ingest_stage` as text, like a CSV would deliver it.

    `_src` is the sheet row number; a row with values right of the header is quarantined as a wrong column count,
    its cells kept as a CSV line."""
    try:
        sheet = workbook.read_sheet(f.path, fmt.sheet, fmt.header_row, extract.name)
    except workbook.WorkbookProblem as exc:
        raise _FileProblem(str(exc)) from None
    _stage_sheet(con, sheet)
    return sheet.header, f"read from sheet {sheet.name!r}, header in row {fmt.header_row}"


def _stage_yaml(con: duckdb.DuckDBPyConnection, f: DeliveryFile, extract: Extract) -> tuple[list[str], str]:
    """The annual plan (ingest/plan_yaml.py): its values as rows, `_src` the line of each value."""
    if extract.name != "planning__plan":
        raise _FileProblem(f"a YAML delivery is read only for planning/plan, not {extract.system}/{extract.entity}")
    try:
        sheet = plan_yaml.read_plan(f.path)
    except plan_yaml.PlanProblem as exc:
        raise _FileProblem(str(exc)) from None
    _stage_sheet(con, sheet)
    return sheet.header, "read as a plan (YAML)"


def _stage_sheet(con: duckdb.DuckDBPyConnection, sheet: workbook.Sheet) -> None:
    """Rows of text cells into `_ingest_stage` as text, like a CSV would deliver them.

    `_src` is the row's number in its file; a row with values right of the header is quarantined as a wrong column
    count, its cells kept as a CSV line."""
    import pandas as pd

    width = len(sheet.header)
    names = [f"c{i}" for i in range(width)]
    frame = pd.DataFrame(
        [cells for _, cells in sheet.rows] or None, columns=names, dtype=object
    )
    frame["_src"] = pd.Series([n for n, _ in sheet.rows], dtype="int64")
    con.register("_ingest_sheet", frame)
    try:
        cols = ", ".join(f"CAST({n} AS VARCHAR) AS {n}" for n in names)
        con.execute(f"CREATE TEMP TABLE _ingest_stage AS SELECT {cols}, _src FROM _ingest_sheet ORDER BY _src")
    finally:
        con.unregister("_ingest_sheet")
    con.execute(f"CREATE TEMP TABLE _ingest_rej {_REJ_DDL}")
    if sheet.overflow:
        con.executemany(
            "INSERT INTO _ingest_rej VALUES (?, ?, ?)",
            [
                (n, _csv_line(cells), f"wrong column count: expected {width} fields")
                for n, cells in sheet.overflow
            ],
        )
    con.execute("CREATE TEMP VIEW _ingest_rows AS SELECT rowid + 1 AS _k, * FROM _ingest_stage")


def delivered_header(con: duckdb.DuckDBPyConnection, f: DeliveryFile, fmt: FileFormat, extract: Extract) -> list[str]:
    """The header of a delivery as the load will read it (encoding, sheet and header row as configured), without
    loading anything: what `spm check-sources` matches against the contract."""
    if f.format == "csv":
        return encoding.read_csv_header(f.path, encoding.sniff(f.path, fmt.encoding, extract.name))
    if f.format in ("xlsx", "xls"):
        return workbook.read_sheet(f.path, fmt.sheet, fmt.header_row, extract.name).header
    if f.format == "yaml":
        return list(plan_yaml.HEADER)
    rows = con.execute("SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(?))", [str(f.path)]).fetchall()
    return [r[0] for r in rows]


def _csv_line(cells: list[str | None]) -> str:
    """Cells as one RFC 4180 line (the quarantine's raw_text), trailing empty cells dropped."""
    import csv
    import io

    while cells and cells[-1] is None:
        cells = cells[:-1]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(["" if c is None else c for c in cells])
    return buf.getvalue()


def _control_free(extract: Extract, hm: HeaderMap, control: bool) -> frozenset[str]:
    """The contract columns that cannot hold a control character: with none in the staged file (`control` False),
    every column whose SQL over the cells has none in its own text either (a configured constant could)."""
    if control:
        return frozenset()
    return frozenset(c for c in extract.column_names if not _CONTROL.search(hm.source.get(c, "")))


_CONTROL = re.compile(CONTROL_PATTERN)


def _validate(
    con: duckdb.DuckDBPyConnection, extract: Extract, hm: HeaderMap, fmt: FileFormat, timezone: str,
    control_free: frozenset[str] = frozenset(),
) -> tuple[Extract, str]:
    """Check every row of `_ingest_named` into `_ingest_bad` (rows to quarantine, with every reason); return the
    extract with its date orders settled and the select list that normalizes the rows over `_ingest_checked`.

    Two passes, so that the generator's files and any export in the contract's own forms cost what they did: the
    short contract checks run over every row; only the rows they reject (`_ingest_odd`: a real export's
    `2024/1/5` or `12,345.60`, or a bad value) are checked again with every accepted form (ingest/values.py), and
    only those are normalized with the long expressions. Day-first or month-first is settled over the rejected
    rows too: a `D-M-YYYY` value is never in the contract form, so they hold all of them."""
    value_of = {c: ident(c) for c in extract.column_names}
    con.execute(
        f"""CREATE TEMP TABLE _ingest_odd AS SELECT _k FROM _ingest_named
            WHERE _active AND ({any_problem(row_checks(extract, value_of, False, control_free))})"""
    )
    odd = con.execute("SELECT count(*) FROM _ingest_odd").fetchone()[0]  # type: ignore[index]
    _, plain = projections(extract, hm, timezone, full=False)
    if not odd:
        con.execute("CREATE TEMP TABLE _ingest_bad (_k BIGINT, _src BIGINT, reason VARCHAR)")
        con.execute("CREATE TEMP VIEW _ingest_checked AS SELECT * FROM _ingest_named")
        return extract, plain
    rows = "(SELECT n.* FROM _ingest_named n WHERE n._k IN (SELECT _k FROM _ingest_odd))"
    extract = settle_date_orders(con, extract, rows, fmt.date_order)
    con.execute(
        f"""CREATE TEMP TABLE _ingest_bad AS SELECT _k, _src, reason FROM (
                SELECT _k, _src, {reasons_expr(row_checks(extract, value_of, True, control_free))} AS reason
                FROM {rows})
            WHERE reason IS NOT NULL"""
    )
    con.execute(
        """CREATE TEMP VIEW _ingest_checked AS
           SELECT n.*, n._k IN (SELECT _k FROM _ingest_odd) AS _odd FROM _ingest_named n"""
    )
    normalized = ", ".join(
        f"CASE WHEN _odd THEN {normalized_expr(extract, c, ident(c), timezone)} "
        f"ELSE {normalized_expr(extract, c, ident(c), timezone, full=False)} END AS {ident(c)}"
        for c in extract.column_names
    )
    return extract, normalized


def _resolve(extract: Extract, header: list[str], config: SourceConfig, f: DeliveryFile, timezone: str) -> HeaderMap:
    try:
        return resolve_header(extract, header, config, f.delivery_date, timezone)
    except HeaderProblem as exc:
        raise _FileProblem(str(exc)) from None


def _load_file(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    f: DeliveryFile,
    scan: FileScan,
    load_id: str,
    loaded_at: datetime,
    config: SourceConfig,
    timezone: str,
) -> tuple[int, int, list[str], int]:
    """Stage, validate and commit one file; returns (rows loaded, rows quarantined, extra columns, rows not
    current). Rows a history-mode export marks `_fivetran_active = false` are older versions: not loaded, counted."""
    _drop_temp(con)
    fmt = config.file_format(extract.name)
    read_as = ""
    control = True  # a workbook's, a plan's or a Parquet file's cells may hold any character
    try:
        if f.format == "csv":
            header, hm, read_as, control = _stage_text_csv(con, extract, f, scan, fmt, config, timezone)
        elif f.format in ("xlsx", "xls"):
            header, read_as = _stage_xlsx(con, f, fmt, extract)
            hm = _resolve(extract, header, config, f, timezone)
        elif f.format == "yaml":
            header, read_as = _stage_yaml(con, f, extract)
            hm = _resolve(extract, header, config, f, timezone)
        else:
            header = _stage_parquet(con, f)
            hm = _resolve(extract, header, config, f, timezone)
        extract = configure(extract, config)
        extra = hm.extra
        delivered, _ = projections(extract, hm, timezone)
        active = hm.active_expr or "true"
        con.execute(
            f"""CREATE OR REPLACE TEMP VIEW _ingest_named AS
                SELECT _k, _src, {active} AS _active, {delivered}, {hm.extra_expr} AS _extra FROM _ingest_rows"""
        )
        extract, normalized = _validate(con, extract, hm, fmt, timezone, _control_free(extract, hm, control))
        accepted, bad, rejected, inactive = con.execute(
            """SELECT (SELECT count(*) FROM _ingest_stage), (SELECT count(*) FROM _ingest_bad),
                      (SELECT count(*) FROM _ingest_rej), (SELECT count(*) FROM _ingest_named WHERE NOT _active)"""
        ).fetchone()  # type: ignore[misc]
        loaded = accepted - bad - inactive
        sha = scan.sha256
        lineage = [f.name, sha, f.file_order, load_id, loaded_at]
        where = " WHERE r._active"
        if bad:
            where += " AND NOT EXISTS (SELECT 1 FROM _ingest_bad b WHERE b._k = r._k)"
        if bad or rejected or inactive:  # joins may reorder rows; keep the raw table in file order
            where += " ORDER BY _src"
        named = ", ".join(ident(c) for c in extract.column_names)
        raw_text = csv_line_expr([f"r.c{i}" for i in range(len(header))])
        con.begin()
        try:
            con.execute(
                f"""INSERT INTO {raw_table(extract)} BY NAME
                    SELECT {named}, ?::VARCHAR AS _source_file, ?::VARCHAR AS _source_sha256,
                           _src AS _source_row, ?::BIGINT AS _file_order, ?::VARCHAR AS _load_id,
                           ?::TIMESTAMP AS _loaded_at, _extra
                    FROM (SELECT _k, _src, _active, {normalized}, _extra FROM _ingest_checked) r{where}""",
                lineage,
            )
            if bad or rejected:  # planning the join costs milliseconds per file even with nothing to join
                con.execute(
                    f"""INSERT INTO raw._quarantine
                        SELECT $1, $2, $3, src, raw_text, reason, $4, $5 FROM (
                            SELECT b._src AS src, {raw_text} AS raw_text, b.reason
                            FROM _ingest_bad b JOIN _ingest_rows r ON r._k = b._k
                            UNION ALL SELECT ord, raw_text, reason FROM _ingest_rej) ORDER BY src""",
                    [extract.name, f.name, sha, load_id, loaded_at],
                )
            message = f"{loaded} rows loaded, {bad + rejected} quarantined"
            if inactive:
                message += f"; {inactive} history row(s) not current (_fivetran_active = false) not loaded"
            if extra:
                message += f"; column(s) not in the contract kept in {EXTRA_COLUMN}: {', '.join(extra)}"
            if read_as:
                message += f"; {read_as}"
            _log_row(con, load_id, extract, f, sha, "loaded", loaded, bad + rejected, message, loaded_at)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        return loaded, bad + rejected, extra, inactive
    finally:
        _drop_temp(con)


def _log_row(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    extract: Extract,
    f: DeliveryFile,
    sha: str,
    status: str,
    rows_loaded: int | None,
    rows_quarantined: int | None,
    message: str,
    loaded_at: datetime,
) -> None:
    con.execute(
        "INSERT INTO raw._load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            extract.name,
            f.name,
            sha,
            f.file_order,
            status,
            rows_loaded,
            rows_quarantined,
            message,
            loaded_at,
        ],
    )


def _skip_reason(
    con: duckdb.DuckDBPyConnection, extract: Extract, f: DeliveryFile, sha: str
) -> tuple[bool, str | None]:
    """(skip?, message to log) for a file whose bytes may have been loaded before.

    The same file under the same name is skipped without a new log row, so re-running a landing folder
    changes no table; identical bytes under another name (a re-delivery) are logged once as skipped_duplicate.
    """
    prior = con.execute(
        """SELECT extract, source_file, status, load_id FROM raw._load_log
           WHERE source_sha256 = ? AND status IN ('loaded', 'skipped_duplicate')
           ORDER BY status, loaded_at, source_file""",
        [sha],
    ).fetchall()
    loaded = [p for p in prior if p[2] == "loaded"]
    if not loaded:
        return False, None
    if any(p[0] == extract.name and p[1] == f.name for p in prior):
        return True, None
    ext, name, _, lid = loaded[0]
    return True, f"same bytes as {name} ({ext}), loaded in load {lid}"


def _identify(
    f: DeliveryFile, hashes: hash_cache.HashCache, trust_cache: bool = True
) -> tuple[FileScan | None, str]:
    """(the file's scan if its bytes were read, its SHA-256). With `trust_cache`, a file whose size and mtime are
    the recorded ones is not read (scan None): most files of a landing folder are loaded already, and only the
    ones to load need the UTF-8 and blank-line pass."""
    st = f.path.stat()
    known = hashes.lookup(f, st) if trust_cache else None
    if known is not None:
        return None, known
    scan = scan_file(f.path, text=f.format == "csv")
    hashes.remember(f, st, scan.sha256)
    return scan, scan.sha256


_DEFERRED_CHECKPOINT = "'64 GiB'"
"""The checkpoint threshold while an extract's files load. Each file is its own transaction, and with DuckDB's 16 MiB
default most commits of a first load also checkpointed, rewriting and compressing the table's last row groups again
(21 of 94 CPU seconds of the ingest at scale 10); the WAL keeps each commit durable, and one checkpoint after the
extract writes everything once."""
_DEFERRED_SHOWN = "64.0 GiB"
"""How current_setting shows _DEFERRED_CHECKPOINT."""


def ingest_extract(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    landing_dir: Path,
    load_id: str,
    loaded_at: datetime,
    log: Callable[[str], None] = _discard,
    config: SourceConfig | None = None,
    timezone: str | None = None,
) -> IngestResult:
    """Load every not-yet-loaded delivery of one extract, oldest first, each file in its own transaction.

    A malformed row is quarantined and the load goes on; an unreadable file is logged as failed, the other
    files are still processed, and then IngestError names every failed file and its problem (`.result` holds
    the IngestResult). A misnamed file in the extract's folder raises before anything is loaded.
    """
    landing_dir = Path(landing_dir)
    if not landing_dir.is_dir():
        raise IngestError(f"landing folder {landing_dir} does not exist")
    loaded_at = _naive_utc(loaded_at)
    config = config or load_source_config()
    timezone = timezone or company_timezone()
    ensure_raw_schema(con)
    write_picklists(con, config)
    files = extract_files(landing_dir, extract)
    result = IngestResult(extract.name, files_seen=len(files))
    unknown = unknown_entries(landing_dir)
    if unknown:
        result.warnings.append(f"unknown landing folder(s) ignored by this step: {', '.join(unknown)}")
    if not files and extract.name in METRICS_FED_BY:
        result.warnings.append(
            f"no delivery files for optional extract {extract.system}/{extract.entity}: "
            f"{', '.join(METRICS_FED_BY[extract.name])} unavailable (null)"
        )
    elif not files and not extract.optional:
        result.warnings.append(f"no delivery files for required extract {extract.system}/{extract.entity}")
    hashes = hash_cache.HashCache.for_folder(con, f"{extract.system}/{extract.entity}/")
    threshold = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]  # type: ignore[index]
    con.execute(f"SET checkpoint_threshold = {_DEFERRED_CHECKPOINT}")
    try:
        for f in files:
            scan, sha = _identify(f, hashes)
            skip, dup_message = _skip_reason(con, extract, f, sha)
            if not skip and scan is None:  # to be loaded: the full pass (UTF-8, control bytes) is needed
                scan, sha = _identify(f, hashes, trust_cache=False)
                skip, dup_message = _skip_reason(con, extract, f, sha)
            if skip:
                result.files_skipped += 1
                if dup_message:
                    _log_row(con, load_id, extract, f, sha, "skipped_duplicate", 0, 0, dup_message, loaded_at)
                log(f"{f.name}: skipped, {dup_message or 'already loaded'}")
                continue
            changed = con.execute(
                "SELECT 1 FROM raw._load_log WHERE extract = ? AND source_file = ? AND status = 'loaded' LIMIT 1",
                [extract.name, f.name],
            ).fetchone()
            if changed:
                result.warnings.append(f"{f.name}: loaded before with different content; both versions are kept")
            assert scan is not None  # read above: only a skipped file goes without its scan
            try:
                rows, quarantined, extra, inactive = _load_file(
                    con, extract, f, scan, load_id, loaded_at, config, timezone
                )
            except (_FileProblem, duckdb.Error) as exc:
                problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                result.failed.append((f.name, problem))
                _log_row(con, load_id, extract, f, scan.sha256, "failed", 0, 0, problem, loaded_at)
                log(f"{f.name}: FAILED, {problem}")
                continue
            result.files_loaded += 1
            result.rows_loaded += rows
            result.rows_quarantined += quarantined
            result.rows_not_current += inactive
            if extra:
                kept = ", ".join(extra)
                result.warnings.append(f"{f.name}: column(s) not in the contract kept in {EXTRA_COLUMN}: {kept}")
            log(f"{f.name}: {rows} rows loaded, {quarantined} quarantined")
        hashes.flush()
    finally:
        # another load on the same database that raised it meanwhile would hand back the raised value: the default
        con.execute("RESET checkpoint_threshold" if threshold == _DEFERRED_SHOWN else
                    f"SET checkpoint_threshold = {lit(threshold)}")
    if result.files_loaded:
        con.execute("CHECKPOINT")
    if extract.name == "crm__opportunity" and result.files_loaded:
        conflicts = con.execute(stage_conflicts_sql(raw_table(extract), config, load_id)).fetchone()[0]
        if conflicts:
            result.warnings.append(f"{extract.name}: {STAGE_CONFLICT.format(n=conflicts)}")
    if result.failed:
        lines = "\n".join(f"  {name}: {problem}" for name, problem in result.failed)
        raise IngestError(f"{extract.name}: {len(result.failed)} file(s) could not be read\n{lines}", result)
    return result


def quarantine_summary(
    con: duckdb.DuckDBPyConnection, load_id: str | None = None
) -> list[tuple[str, str, int]]:
    """(extract, reason class, rows) over the quarantine, optionally for one load: the end-of-run summary.

    The class is a reason's text before ':' (`unparsable date in CloseDate`); a row with several reasons
    counts once in each of its classes.
    """
    return [
        (e, c, int(n))
        for e, c, n in con.execute(
            """SELECT extract, trim(split_part(r, ':', 1)) AS class, count(*) AS n
               FROM (SELECT extract, unnest(string_split(reason, '; ')) AS r FROM raw._quarantine
                     WHERE ?::VARCHAR IS NULL OR load_id = ?::VARCHAR)
               GROUP BY ALL ORDER BY extract, n DESC, class""",
            [load_id, load_id],
        ).fetchall()
    ]
