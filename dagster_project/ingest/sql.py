"""SQL text generated from the contract: the row-validation predicate and CSV re-assembly.

The validation is one expression per file so DuckDB checks every row of every column in a single vectorised
pass; Python only writes the SQL. Every check of a row is evaluated (not the first failing one), so the
quarantine shows all of a row's problems at once and a fixed file needs one round trip, not several.
"""

from __future__ import annotations

from dagster_project.extracts import (
    CYCLE_PATTERN,
    MONTH_PATTERN,
    Column,
    Extract,
)
from dagster_project.ingest import values


def lit(text: str) -> str:
    """A SQL string literal, for the contract's own constants (patterns, enum values, column names)."""
    return "'" + text.replace("'", "''") + "'"


def _in_list(values: tuple[str, ...]) -> str:
    return ", ".join(lit(v) for v in values)


Check = tuple[str, str]
"""(condition, reason): the condition holds (is TRUE) for a row with this problem; the reason is the SQL text
expression that names it. NULL is no problem, as a CASE without ELSE yields for it."""


DATE_INPUT_PATTERN = values.DATE_INPUT_PATTERN
MONTH_INPUT_PATTERN = MONTH_PATTERN[:-1] + r"(-01([T ]00:00(:00(\.0+)?)?)?)?$"
"""`YYYY-MM` or the first of the month as a date (`2025-03-01`, `2025-03-01 00:00:00`)."""


_REASONS = {
    "date": "unparsable date",
    "timestamp": "unparsable timestamp",
    "decimal": "unparsable number",
    "int": "unparsable number",
    "bool": "unparsable boolean",
}


def _format_check(col: Column, v: str, full: bool = True) -> tuple[str, str] | None:
    """(predicate that holds for a valid non-null value, reason prefix) for the column's kind, or None.

    With `full`, dates, timestamps, numbers and booleans are valid when ingest/values.py turns them into contract
    text (the same SQL that normalizes them), so what passes the check is exactly what loads; without, only the
    contract's own forms pass (`values.contract_check`: the cheap first pass over every row)."""
    kind = col.kind
    if kind in _REASONS:
        if not full:
            return values.contract_check(col, v) or "true", _REASONS[kind]
        return f"({values.value_text(col, v, 'UTC')}) IS NOT NULL", _REASONS[kind]
    if kind == "enum":
        return f"{v} IN ({_in_list(col.values)})", "unknown value"
    if kind == "month":
        return f"regexp_matches({v}, {lit(MONTH_INPUT_PATTERN)})", "unparsable month"
    if kind == "cycle":
        return f"regexp_matches({v}, {lit(CYCLE_PATTERN)})", "unparsable cycle"
    return None


CONTROL_PATTERN = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
"""NUL and the other control bytes (tab, line feed and carriage return excepted): no export means them, and a NUL
passes DuckDB but stops PostgreSQL's COPY, so one byte would block every BI publication (docs/security.md)."""
ID_PATTERN = r"^[\p{L}\p{N}][\p{L}\p{N}_.-]*$"
"""Team and employee ids name files (dashboard pages, pay statements): a letter or digit (any script: `华东01` is
fine), then letters, digits, `_`, `.` or `-`, at most 64 (ID_MAX_LENGTH) - never a `/`, a `..` segment, a leading
formula character, a space or markup. The length is checked with `length()`, not `{0,63}` in the pattern: RE2
expands a counted repeat of these Unicode classes 63 times, which cost 90 ms to compile per column and file (0.6 s
of every HR file's load), against 6 ms for `*`; DuckDB's `length` counts code points as RE2 does."""
ID_MAX_LENGTH = 64


def file_name_id(name: str) -> bool:
    """Columns whose values become file names downstream: team ids and every kind of employee id."""
    return name == "team_id" or name.endswith("employee_id")


def _date_reason(extract: Extract, col: Column, v: str, ok: str, bad: str, hint: str) -> Check | None:
    """For a date or timestamp column whose day/month order is not settled: the check whose reason is `ambiguous
    date in <col>: <value> (<setting>)` for a `D-M-YYYY` value and the usual unparsable reason otherwise. The
    day-month test is in the reason, so it runs only for the rare values that fail to parse, not for every row."""
    ambiguous = values.ambiguous_date(col, v)
    if ambiguous is None:
        return None
    reason = lit(f"ambiguous date in {col.name}: ")
    why = lit(f" ({values.ambiguity_hint(extract, col)})")
    return (
        f"{v} IS NOT NULL AND NOT {ok}",
        f"CASE WHEN {ambiguous} THEN {reason} || {v} || {why} ELSE {bad} || {v} || {hint} END",
    )


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def column_checks(
    extract: Extract, col: Column, v: str, full: bool = True, control_free: frozenset[str] = frozenset()
) -> list[Check]:
    """The checks of `col` (read from SQL expression `v`).

    A column in `control_free` is known to hold no control character (its values are cells of a UTF-8 file with no
    control byte: ingest.landing.scan_file), so the control-character check, which is always false there, is left
    out: run per value it cost more than every other check together (6.6 of 9.6 CPU seconds over crm/task's 6.5M
    rows at scale 10)."""
    name = col.name
    checks: list[Check] = []
    if col.required:
        missing = f"missing key {name}" if name in extract.key else f"missing {name}"
        checks.append((f"{v} IS NULL", lit(missing)))
    controls = name not in control_free
    if controls:
        why = f"control character in {name} (NUL or a byte below 0x20): remove it from the export"
        checks.append((f"regexp_matches({v}, {lit(CONTROL_PATTERN)})", lit(why)))
    if file_name_id(name):
        safe = f"(regexp_matches({v}, {lit(ID_PATTERN)}) AND length({v}) <= {ID_MAX_LENGTH})"
        no_control = f"NOT regexp_matches({v}, {lit(CONTROL_PATTERN)}) AND " if controls else ""
        checks.append((f"{v} IS NOT NULL AND {no_control}NOT {safe}",
                       f"{lit(f'unsafe id in {name}: ')} || {v} || "
                       f"{lit(f' (ids name files: letters, digits, _ . - only, at most {ID_MAX_LENGTH})')}"))
    fmt = _format_check(col, v, full)
    if fmt is not None:
        ok, prefix = fmt
        bad = lit(f"{prefix} in {name}: ")
        hint = lit(f" ({col.hint})") if col.hint else "''"
        dated = _date_reason(extract, col, v, ok, bad, hint) if full else None
        checks.append(dated or (f"{v} IS NOT NULL AND NOT {ok}", f"{bad} || {v} || {hint}"))
        if col.kind in ("decimal", "int"):
            num = f"try_cast({v} AS DOUBLE)"
            if full:  # the second cast runs only where the plain one fails (a separator, a sign, full-width digits)
                num = f"coalesce({num}, try_cast({values.number_text(v, col.kind == 'int')} AS DOUBLE))"
            if col.minimum is not None:
                prefix = "negative amount" if col.minimum == 0 else "out of range"
                checks.append((f"{ok} AND {num} < {_fmt_num(col.minimum)}", f"{lit(f'{prefix} in {name}: ')} || {v}"))
            if col.maximum is not None:
                checks.append(
                    (f"{ok} AND {num} > {_fmt_num(col.maximum)}", f"{lit(f'out of range in {name}: ')} || {v}")
                )
    return checks


def extract_checks(
    extract: Extract, value_of: dict[str, str], full: bool = True, control_free: frozenset[str] = frozenset()
) -> list[Check]:
    """Every column's checks. `value_of` maps a contract column to the SQL expression holding its value ('' already
    made NULL). `full`: the checks accept every form real exports write (ingest/values.py); without, only the
    contract's own forms. `control_free`: column_checks."""
    return [c for col in extract.columns for c in column_checks(extract, col, value_of[col.name], full, control_free)]


def reasons_expr(checks: list[Check]) -> str:
    """All of a row's problems joined by '; ', NULL for a valid row. concat_ws skips NULLs, so each passing check
    simply contributes nothing."""
    if not checks:
        return "NULL"
    return "NULLIF(concat_ws('; ', " + ", ".join(f"CASE WHEN {cond} THEN {why} END" for cond, why in checks) + "), '')"


def any_problem(checks: list[Check]) -> str:
    """TRUE for a row with at least one problem (a row reasons_expr gives a text for), else FALSE or NULL.

    The first pass over every row asks only this: the CASE and text expressions of reasons_expr made DuckDB bind and
    plan each file's check in ~20 ms against ~5 for this OR of the same conditions, a fixed cost on each of the
    ~260 files of a first load however small (docs/benchmarks.md)."""
    return " OR ".join(f"({cond})" for cond, _ in checks) if checks else "false"


def csv_line_expr(values: list[str]) -> str:
    """The record re-assembled as one CSV line with RFC 4180 quoting, for the quarantine's raw_text.

    A field is quoted only when it must be (comma, quote or line break inside), so a clean row reads back
    exactly as it was delivered.
    """
    fields = [
        f"CASE WHEN {v} IS NULL THEN '' WHEN regexp_matches({v}, '[\",\\r\\n]') "
        f"THEN '\"' || replace({v}, '\"', '\"\"') || '\"' ELSE {v} END"
        for v in values
    ]
    return "concat_ws(',', " + ", ".join(fields) + ")" if fields else "''"
