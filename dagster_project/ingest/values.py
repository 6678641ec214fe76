"""The value formats real exports write, as SQL that turns each into the contract's own text (or NULL: unparsable).

The contract's text is what the generator writes (`2025-01-31`, ISO 8601 timestamps, `12345.60`, `true`); staging
casts only that. Everything a Chinese ERP, an Excel sheet or a CRM export writes instead is turned into it here,
once, at ingest, so staging and every formula stay as they are:

- dates `YYYY-M-D`, `YYYY/M/D`, `YYYY.M.D` (one separator throughout), `YYYY年M月D日`, optionally with a time of day;
  `D-M-YYYY` / `M-D-YYYY` in the order the column's values decide (a first field above 12 means the day comes
  first, a second field above 12 the month) or the source configuration says (`file_formats.<extract>.date_order`);
  never guessed per row: while neither decides, such a value is quarantined as ambiguous.
- Excel serial day numbers (5 digits: 1927-2173, a fraction is the time of day) and epoch milliseconds (13 digits).
- A date without a time in a timestamp column is midnight in the company time zone; a time of day without a zone is
  UTC, like the ISO timestamps Fivetran and the Bulk API write; an epoch value is an instant.
- amounts with thousands separators in their proper places only (`12,345.60`; `12,5` stays unparsable), a currency
  sign `￥ ¥ $` before the number (the minus before or after it) and full-width digits.
- booleans `true/false`, `t/f`, `yes/no`, `y/n`, `1/0` in any case and `是/否`; an empty Salesforce checkbox
  (a boolean column of a `crm` extract that the file delivers) is false, because Salesforce exports write false so.

The plain contract forms are tested first and pass through unchanged, so the generator's files load byte-identically.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb

from dagster_project.extracts import (
    BOOL_VALUES,
    DECIMAL_PATTERN,
    INT_PATTERN,
    TIMESTAMP_PATTERN,
    Column,
    Extract,
)

TRUE_WORDS = ("true", "t", "yes", "y", "1", "是")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否")

DAY_FIRST = "day_first"
MONTH_FIRST = "month_first"
DATE_ORDERS = (DAY_FIRST, MONTH_FIRST)
_CONFLICT = "conflict"

_FULL_WIDTH = "０１２３４５６７８９．，－＋／：　"
_ASCII = "0123456789.,-+/: "

DATE_INPUT_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$"
"""A contract date, optionally with the time part real exports add (`2018-12-19 00:00:00`); ingest keeps the date."""
_ZONE = r"(Z|[+-]\d{2}:?\d{2})$"
_TIME = r"([T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
YMD_PATTERN = r"^\d{4}(-\d{1,2}-|/\d{1,2}/|\.\d{1,2}\.)\d{1,2}" + _TIME + "$"
CJK_PATTERN = r"^\d{4}年\d{1,2}月\d{1,2}日( ?\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
DMY_PATTERN = r"^\d{1,2}(-\d{1,2}-|/\d{1,2}/|\.\d{1,2}\.)\d{4}" + _TIME + "$"
"""Day and month before the year: which comes first is the column's order, never the row's."""
SERIAL_PATTERN = r"^\d{5}(\.\d+)?$"
EPOCH_MS_PATTERN = r"^\d{13}$"
_SIGN = "[￥¥$]"
NUMBER_PATTERN = rf"^(-?{_SIGN}? ?|{_SIGN} ?-)(\d{{1,3}}(,\d{{3}})+|\d+)(\.\d+)?$"
INTEGER_PATTERN = rf"^(-?{_SIGN}? ?|{_SIGN} ?-)(\d{{1,3}}(,\d{{3}})+|\d+)$"


def lit(text: str) -> str:
    """A SQL string literal, for the module's own constants."""
    return "'" + text.replace("'", "''") + "'"


def _ascii(v: str) -> str:
    """Full-width digits, separators and the ideographic space as their ASCII forms."""
    return f"translate({v}, {lit(_FULL_WIDTH)}, {lit(_ASCII)})"


def number_text(v: str, integer: bool) -> str:
    """`12,345.60`, `￥1,200`, `-$3.5`, `１２３` -> `12345.60`, `1200`, `-3.5`, `123`; NULL when not a number."""
    plain = INT_PATTERN if integer else DECIMAL_PATTERN
    pattern = INTEGER_PATTERN if integer else NUMBER_PATTERN
    t = _ascii(v)
    return (
        f"CASE WHEN regexp_matches({v}, {lit(plain)}) THEN {v} "
        f"WHEN regexp_matches({t}, {lit(pattern)}) THEN regexp_replace({t}, '[￥¥$ ,]', '', 'g') END"
    )


def bool_text(v: str) -> str:
    """`Y`, `yes`, `是` -> `true`; `N`, `no`, `否` -> `false`; NULL otherwise. The contract's own `true`/`false`/`1`/`0`
    (any case) stay as delivered: staging reads them as they always were."""
    own = ", ".join(lit(w) for w in BOOL_VALUES)
    trues = ", ".join(lit(w) for w in TRUE_WORDS)
    falses = ", ".join(lit(w) for w in FALSE_WORDS)
    return (
        f"CASE WHEN lower({v}) IN ({own}) THEN {v} WHEN lower({v}) IN ({trues}) THEN 'true' "
        f"WHEN lower({v}) IN ({falses}) THEN 'false' END"
    )


def _local_text(t: str, order: str) -> str:
    """A non-ISO date (and time) as `YYYY-M-D[ H:MM[:SS]]` text DuckDB casts, or NULL when no form matches."""
    dmy = {DAY_FIRST: r"\3-\2-\1", MONTH_FIRST: r"\3-\1-\2"}.get(order)
    branches = [
        f"WHEN regexp_matches({t}, {lit(YMD_PATTERN)}) THEN "
        f"regexp_replace({t}, '^(\\d{{4}})[-/.](\\d{{1,2}})[-/.](\\d{{1,2}})T?', '\\1-\\2-\\3 ')",
        f"WHEN regexp_matches({t}, {lit(CJK_PATTERN)}) THEN "
        f"regexp_replace({t}, '^(\\d{{4}})年(\\d{{1,2}})月(\\d{{1,2}})日 ?', '\\1-\\2-\\3 ')",
    ]
    if dmy:
        branches.append(
            f"WHEN regexp_matches({t}, {lit(DMY_PATTERN)}) THEN "
            f"regexp_replace({t}, '^(\\d{{1,2}})[-/.](\\d{{1,2}})[-/.](\\d{{4}})T?', {lit(dmy + ' ')})"
        )
    return "rtrim(CASE " + " ".join(branches) + " END)"


def _serial(t: str) -> str:
    """An Excel serial day number as a TIMESTAMP (day 0 is 1899-12-30; the fraction, rounded to the ms, the time)."""
    return (
        f"(TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(CAST({t} AS DOUBLE) * 86400000) AS BIGINT) * 1000))"
    )


def _epoch(t: str) -> str:
    """Epoch milliseconds as a UTC TIMESTAMP."""
    return f"make_timestamp(CAST({t} AS BIGINT) * 1000)"


_ISO_Z = "'%Y-%m-%dT%H:%M:%S.%fZ'"


_PLAIN_DATE = r"^\d{4}-\d{2}-\d{2}$"
_ZONED_TIMESTAMP = TIMESTAMP_PATTERN.replace(")?$", ")$")
"""An ISO timestamp with its zone: the generator's and Salesforce's form, passed through as delivered."""


def date_text(v: str, timezone: str, order: str = "", validated: bool = False) -> str:
    """The contract date `YYYY-MM-DD` of any accepted date form, or NULL. A zoned value or an epoch instant keeps
    its date in company time; a time of day otherwise is dropped (the date is what the field means).

    The contract's own `YYYY-MM-DD` is tested first, with one regular expression, so the generator's files cost
    what they always did; `validated` (the row passed this same expression before) skips its calendar check."""
    t = _ascii(v)
    local = f"try_cast({_local_text(t, order)} AS TIMESTAMP)"
    zoned = f"strftime(timezone({lit(timezone)}, try_cast({v} AS TIMESTAMPTZ)), '%Y-%m-%d')"
    plain = v if validated else f"CASE WHEN try_cast({v} AS DATE) IS NOT NULL THEN {v} END"
    return (
        f"CASE WHEN regexp_matches({v}, {lit(_PLAIN_DATE)}) THEN {plain} "
        f"WHEN regexp_matches({v}, {lit(DATE_INPUT_PATTERN)}) THEN "
        f"CASE WHEN try_cast(left({v}, 10) AS DATE) IS NULL THEN NULL "
        f"WHEN regexp_matches({v}, {lit(_ZONE)}) THEN {zoned} ELSE left({v}, 10) END "
        f"WHEN regexp_matches({t}, {lit(SERIAL_PATTERN)}) THEN strftime({_serial(t)}, '%Y-%m-%d') "
        f"WHEN regexp_matches({t}, {lit(EPOCH_MS_PATTERN)}) THEN "
        f"strftime(timezone({lit(timezone)}, timezone('UTC', {_epoch(t)})), '%Y-%m-%d') "
        f"ELSE strftime(CAST({local} AS DATE), '%Y-%m-%d') END"
    )


def timestamp_text(v: str, timezone: str, order: str = "", validated: bool = False) -> str:
    """The contract timestamp (ISO 8601, UTC when it has no zone) of any accepted form, or NULL.

    An ISO timestamp is kept as delivered (`Z` added when it has no zone); a date alone is midnight company time;
    another form with a time of day is that time in UTC; epoch milliseconds are the instant. A zoned ISO timestamp
    is tested first (`validated`: without its calendar check), as in `date_text`."""
    t = _ascii(v)
    local_text = _local_text(t, order)
    local = f"try_cast({local_text} AS TIMESTAMP)"
    midnight = f"strftime(timezone('UTC', timezone({lit(timezone)}, {{ts}})), {_ISO_Z})"
    zoned = v if validated else f"CASE WHEN try_cast({v} AS TIMESTAMPTZ) IS NOT NULL THEN {v} END"
    return (
        f"CASE WHEN regexp_matches({v}, {lit(_ZONED_TIMESTAMP)}) THEN {zoned} "
        f"WHEN regexp_matches({v}, {lit(TIMESTAMP_PATTERN)}) THEN "
        f"CASE WHEN try_cast({v} AS TIMESTAMPTZ) IS NOT NULL THEN {v} || 'Z' END "
        f"WHEN regexp_matches({t}, {lit(EPOCH_MS_PATTERN)}) THEN strftime({_epoch(t)}, {_ISO_Z}) "
        f"WHEN regexp_matches({t}, {lit(SERIAL_PATTERN)}) THEN "
        f"CASE WHEN contains({t}, '.') THEN strftime({_serial(t)}, {_ISO_Z}) "
        f"ELSE {midnight.format(ts=_serial(t))} END "
        f"WHEN contains({t}, ':') THEN strftime({local}, {_ISO_Z}) "
        f"ELSE {midnight.format(ts=local)} END"
    )


def contract_check(col: Column, v: str) -> str | None:
    """SQL predicate: `v` is valid in the contract's own form (the check ingest made before real exports were read).

    Every file is first validated with these small expressions; only the rows they reject are checked again with
    the full forms (`value_text`), so the generator's files cost what they always did: the full expressions are
    long, and planning them takes tens of milliseconds per file."""
    if col.kind == "date":
        return f"(regexp_matches({v}, {lit(DATE_INPUT_PATTERN)}) AND try_cast(left({v}, 10) AS DATE) IS NOT NULL)"
    if col.kind == "timestamp":
        return f"(regexp_matches({v}, {lit(TIMESTAMP_PATTERN)}) AND try_cast({v} AS TIMESTAMPTZ) IS NOT NULL)"
    if col.kind in ("decimal", "int"):
        return f"regexp_matches({v}, {lit(INT_PATTERN if col.kind == 'int' else DECIMAL_PATTERN)})"
    if col.kind == "bool":
        return f"lower({v}) IN ({', '.join(lit(w) for w in BOOL_VALUES)})"
    return None


def contract_text(col: Column, v: str, timezone: str) -> str | None:
    """The contract text of a value `contract_check` passed (the normalization ingest made before): a date keeps
    its date (in company time when it has a zone), a timestamp without zone gets `Z`; None: taken as delivered.

    Whether the value has a zone is read without a regular expression where the contract form makes it certain, as
    this runs on every value of every file: a contract date of 10 characters (`YYYY-MM-DD`) has none, and a contract
    timestamp has one exactly when it ends in `Z` or has its sign 5 (`+0800`) or 6 (`+08:00`) characters from the
    end, where a time of day has only digits, `:` and `.`."""
    if col.kind == "date":
        return (
            f"CASE WHEN length({v}) > 10 AND regexp_matches({v}, {lit(_ZONE)}) THEN strftime(timezone({lit(timezone)}, "
            f"CAST({v} AS TIMESTAMPTZ)), '%Y-%m-%d') ELSE left({v}, 10) END"
        )
    if col.kind == "timestamp":
        zoned = f"suffix({v}, 'Z') OR substr({v}, -5, 1) IN ('+', '-') OR substr({v}, -6, 1) IN ('+', '-')"
        return f"CASE WHEN {v} IS NULL OR {zoned} THEN {v} ELSE {v} || 'Z' END"
    return None


def is_checkbox(extract: Extract, col: Column) -> bool:
    """A Salesforce checkbox: a boolean of a CRM extract. Salesforce never has a null checkbox, and its exports
    write false as an empty field, so a delivered empty value is false (docs/sources.md lists the columns)."""
    return extract.system == "crm" and col.kind == "bool"


def value_text(col: Column, v: str, timezone: str, validated: bool = False) -> str | None:
    """The contract text of `v` for the column's kind, NULL when unparsable; None for kinds taken as delivered.
    `validated`: the value passed the same expression already (the load normalizes only rows that did)."""
    if col.kind == "date":
        return date_text(v, timezone, col.date_order, validated)
    if col.kind == "timestamp":
        return timestamp_text(v, timezone, col.date_order, validated)
    if col.kind in ("decimal", "int"):
        return number_text(v, integer=col.kind == "int")
    if col.kind == "bool":
        return bool_text(v)
    return None


_SEPARATORS = "('-', '/', '.', '－', '／', '．')"


def is_dmy(v: str) -> str:
    """SQL predicate: `v` is a `D-M-YYYY` / `M-D-YYYY` value. A separator second or third is checked first: every
    other accepted form has digits there, so the regular expression runs only for the few candidates (this check
    runs on every row of every date column of every file)."""
    maybe = f"(substr({v}, 2, 1) IN {_SEPARATORS} OR substr({v}, 3, 1) IN {_SEPARATORS})"
    return f"(CASE WHEN {maybe} THEN regexp_matches({_ascii(v)}, {lit(DMY_PATTERN)}) ELSE false END)"


def ambiguous_date(col: Column, v: str) -> str | None:
    """SQL predicate: `v` is a day-month-year value whose order this column has not settled (None: it has)."""
    if col.kind not in ("date", "timestamp") or col.date_order in DATE_ORDERS:
        return None
    return is_dmy(v)


def ambiguity_hint(extract: Extract, col: Column) -> str:
    """What an ambiguous date's quarantine reason adds: why, and the setting that settles it."""
    key = f"file_formats.{extract.name}.date_order"
    if col.date_order == _CONFLICT:
        return f"the file has dates with the day first and others with the month first; set {key}"
    return f"day or month first? no value in the file has a field above 12; set {key} (day_first or month_first)"


def settle_date_orders(
    con: duckdb.DuckDBPyConnection, extract: Extract, view: str, configured: dict[str, str]
) -> Extract:
    """The extract with each date and timestamp column's day/month order for one file.

    The configured order wins; otherwise the values in `view` (one column per contract column) decide it: a first
    field above 12 somewhere in the column means day first, a second field above 12 month first, both is a conflict
    and neither leaves it open (such values are then quarantined as ambiguous, never guessed)."""
    cols = [c for c in extract.columns if c.kind in ("date", "timestamp")]
    if not cols:
        return extract
    decided = {c.name: configured[c.name] for c in cols if configured.get(c.name) in DATE_ORDERS}
    open_cols = [c for c in cols if c.name not in decided]
    if open_cols:
        aggs = []
        for c in open_cols:
            v = f'"{c.name}"'
            t = _ascii(v)
            for field in (1, 2):
                part = f"try_cast(regexp_extract({t}, '^(\\d{{1,2}})[-/.](\\d{{1,2}})', {field}) AS INTEGER)"
                aggs.append(f"coalesce(bool_or(CASE WHEN {is_dmy(v)} THEN {part} > 12 END), false)")
        found = con.execute(f"SELECT {', '.join(aggs)} FROM {view}").fetchone()
        assert found is not None
        for i, c in enumerate(open_cols):
            day, month = found[2 * i], found[2 * i + 1]
            if day and month:
                decided[c.name] = _CONFLICT
            elif day:
                decided[c.name] = DAY_FIRST
            elif month:
                decided[c.name] = MONTH_FIRST
    if not decided:
        return extract
    return replace(
        extract, columns=tuple(replace(c, date_order=decided.get(c.name, c.date_order)) for c in extract.columns)
    )
