"""Matching a delivered header to the contract, and the SQL that turns a real export's values into contract text.

Real exports name the same field several ways: Salesforce API names (`SystemModstamp`, `Customer_Tier__c`),
Fivetran/Airbyte snake_case (`system_modstamp`, `customer_tier_c`), any case. Two names are the same column when
they agree after Unicode NFKC folding, case folding and dropping everything but letters, marks and digits of
any script (so `商机金额` and `商机 金额` match, and a full-width `ＡＭＯＵＮＴ` is `amount`). A header that keeps
nothing to match by, or two delivered columns that match the same name, are errors naming them: a match is never a
guess. Fivetran's own columns stand in where the object has none of its own: `_fivetran_synced` is the change
stamp, `_fivetran_deleted` a delete, and `_fivetran_active = false` marks a history-mode row that is not the
current version.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from dagster_project.db import ident
from dagster_project.extracts import Extract
from dagster_project.ingest.sql import Check, extract_checks, lit
from dagster_project.ingest.values import TRUE_WORDS, contract_text, is_checkbox, value_text
from dagster_project.source_config import SourceConfig

FALLBACKS: dict[str, str] = {
    "SystemModstamp": "_fivetran_synced",
    "updated_at": "_fivetran_synced",
    "IsDeleted": "_fivetran_deleted",
    "is_deleted": "_fivetran_deleted",
}
"""Contract column -> Fivetran column used when the export has no column of its own (a delete flag is OR-ed)."""

ACTIVE_FLAG = "_fivetran_active"

_TRUE = "(" + ", ".join(lit(w) for w in TRUE_WORDS) + ")"
"""The words a boolean field says true with (ingest/values.py): also for Fivetran's flags and the closed-only check."""


def normalize(name: str) -> str:
    """`Customer_Tier__c`, `customer_tier_c` and `CUSTOMER_TIER_C` all become `customertierc`; `商机 金额` becomes
    `商机金额` and full-width `Ａｍｏｕｎｔ` becomes `amount`.

    NFKC first (full-width letters and digits to their plain forms), then casefold, then keep only letters (L*),
    combining marks (M*, part of the letters of Indic and other scripts) and digits (N*): spaces, underscores and
    punctuation of every script (`（）`, `：`, `、`) are dropped. Everything else the old ASCII rule kept is kept alike.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LMN")


class HeaderProblem(ValueError):
    """The header cannot be mapped (a duplicate after matching, or a truly required column missing)."""


@dataclass
class HeaderMap:
    """Which delivered column feeds each contract column, and what the header did not provide."""

    source: dict[str, str] = field(default_factory=dict)
    """contract column -> SQL expression over the positional staging columns (c0, c1, ...)."""
    mapped: dict[str, str] = field(default_factory=dict)
    """contract column -> delivered header name (or `_fivetran_synced`, or `default_currency`)."""
    missing_optional: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    active_expr: str | None = None
    """SQL predicate true for rows that are current (history mode); None when the export has no such flag."""
    extra_expr: str = "NULL::VARCHAR"
    """SQL for the raw `_extra` column: a JSON object of the delivered columns the contract does not name."""
    supplied: dict[str, str] = field(default_factory=dict)
    """contract column -> where the configuration supplied it from (a constant, the stage map, the file name)."""


CONFIG_SUPPLIED = ("constant", "stages", "delivery date")
"""How `mapped` names a column no delivered header feeds (check-sources prints it)."""


def _delivery_stamp(delivery: date, timezone: str) -> str:
    """Midnight of the delivery date in company time, as UTC ISO 8601: a file's rows changed by its delivery date."""
    start = datetime(delivery.year, delivery.month, delivery.day, tzinfo=ZoneInfo(timezone))
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stage_flag_expr(stage: str, config: SourceConfig, which: int) -> str:
    """SQL deriving IsClosed (which=0) or IsWon (1) from a stage value by the `stages:` map; NULL for an unknown
    stage, which the StageName check quarantines anyway."""
    whens = " ".join(
        f"WHEN {lit(v)} THEN {lit('true' if flags[which] else 'false')}" for v, flags in config.stage_flags().items()
    )
    return f"CASE {stage} {whens} END"


def stage_conflicts_sql(table: str, config: SourceConfig, load_id: str | None = None) -> str:
    """SQL counting opportunities of `table` (one load's, or all) whose delivered IsClosed/IsWon disagree with the
    closed/won of their stage in `stages:`. The delivered flags decide the outcome; the count is reported."""
    stage = ident("StageName")
    flag = "lower({c}) IN " + _TRUE
    where = f" AND _load_id = {lit(load_id)}" if load_id else ""
    return (
        f"SELECT count(*) FROM {table} WHERE {stage_flag_expr(stage, config, 0)} IS NOT NULL{where} AND ("
        f"({flag.format(c=ident('IsClosed'))}) <> ({stage_flag_expr(stage, config, 0)} = 'true') "
        f"OR ({flag.format(c=ident('IsWon'))}) <> ({stage_flag_expr(stage, config, 1)} = 'true'))"
    )


STAGE_CONFLICT = (
    "{n} row(s) whose IsClosed/IsWon disagree with the closed/won of their stage in stages "
    "(the delivered flags decide the outcome; correct closed/won in stages)"
)


def _missing_hint(extract: Extract, missing: list[str], config: SourceConfig) -> str:
    hint = (
        f"; name your header for it in aliases.{extract.name} or give every row a value in "
        f"constants.{extract.name} of the source configuration"
    )
    if "CurrencyIsoCode" in missing and not config.default_currency:
        hint = " (a single-currency org sets default_currency in the source configuration)" + hint
    return hint


def resolve_header(
    extract: Extract,
    header: list[str],
    config: SourceConfig,
    delivery: date | None = None,
    timezone: str | None = None,
) -> HeaderMap:
    """Map a delivered header onto the extract's contract; raise HeaderProblem naming every unmappable column.

    A column no header feeds is supplied by the configuration where it can be: a constant (`constants:`),
    IsClosed/IsWon from the stage map, the change stamp from the file name's delivery date (`delivery`, midnight
    in `timezone`). Delivered columns the contract does not name go to `_extra`, keyed by their header, or by
    their `extra_columns:` name.
    """
    norm = _checked_header(header)
    pos = {n: i for i, n in enumerate(norm)}
    aliases = config.header_aliases(extract.name)
    constants = config.constants.get(extract.name, {})
    out = HeaderMap()
    used: set[int] = set()
    missing_required: list[str] = []
    claimed: dict[int, str] = {}
    for col in extract.columns:
        i = _match(extract, col.name, aliases.get(col.name, []), header, pos)
        codes = config.code_columns.get(extract.name, {}).get(col.name, [])
        if i is None and codes:  # a picklist's code column, read only where its label is not delivered
            i = _match(extract, col.name, codes, header, pos)
        if i is not None and i in claimed:  # one delivered column read as two contract columns is a guess too
            raise HeaderProblem(
                f"column {header[i]} matches both {claimed[i]} and {col.name} (by name or aliases.{extract.name}); "
                "change the alias"
            )
        if i is not None:
            claimed[i] = col.name
        fallback = FALLBACKS.get(col.name)
        j = pos.get(normalize(fallback)) if fallback else None
        if i is not None:
            used.add(i)
            out.mapped[col.name] = header[i]
            out.source[col.name] = f"NULLIF(c{i}, '')"
            if j is not None and col.kind == "bool":
                used.add(j)
                out.source[col.name] = (
                    f"CASE WHEN lower(NULLIF(c{j}, '')) IN {_TRUE} THEN 'true' ELSE NULLIF(c{i}, '') END"
                )
        elif j is not None:
            used.add(j)
            out.mapped[col.name] = header[j]
            out.source[col.name] = f"NULLIF(c{j}, '')"
        elif col.name == "CurrencyIsoCode" and config.default_currency:
            out.mapped[col.name] = "default_currency"
            out.source[col.name] = lit(config.default_currency)
        elif col.name in constants:
            out.mapped[col.name] = out.supplied[col.name] = f"constant {constants[col.name]!r}"
            out.source[col.name] = lit(constants[col.name])
        elif col.name in ("IsClosed", "IsWon") and "StageName" in out.mapped:
            out.mapped[col.name] = out.supplied[col.name] = "stages (from StageName)"
            out.source[col.name] = stage_flag_expr(out.source["StageName"], config, col.name == "IsWon")
        elif col.name == extract.change_stamp and col.name in ("SystemModstamp", "updated_at") and delivery:
            stamp = _delivery_stamp(delivery, timezone or "UTC")
            out.mapped[col.name] = out.supplied[col.name] = f"delivery date in file name ({stamp})"
            out.source[col.name] = lit(stamp)
        elif col.required:
            missing_required.append(col.name)
        else:
            out.missing_optional.append(col.name)
            out.source[col.name] = "NULL::VARCHAR"
    if missing_required:
        raise HeaderProblem(
            f"missing required column(s) {', '.join(missing_required)}"
            + _missing_hint(extract, missing_required, config)
        )
    active = pos.get(normalize(ACTIVE_FLAG))
    if active is not None:
        used.add(active)
        out.active_expr = f"coalesce(lower(NULLIF(c{active}, '')) IN {_TRUE}, true)"
    ignored = {normalize(FALLBACKS[c]) for c in FALLBACKS} | {normalize(ACTIVE_FLAG)}
    out.extra = [h for i, h in enumerate(header) if i not in used and norm[i] not in ignored]
    named = {normalize(h): name for name, hs in config.extra_columns.get(extract.name, {}).items() for h in hs}
    pairs = [
        f"{lit(named.get(norm[i], h))}, NULLIF(c{i}, '')"
        for i, h in enumerate(header)
        if i not in used and norm[i] not in ignored
    ]
    if pairs:
        out.extra_expr = f"CAST(json_object({', '.join(pairs)}) AS VARCHAR)"
    return out


def _checked_header(header: list[str]) -> list[str]:
    """The normalized names of a delivered header; raises naming every column that cannot be told apart.

    A column whose name keeps nothing (empty, or only punctuation like `#` or `（）`) could match nothing and would be
    read as nameless, so it is an error rather than ignored; so are two columns that normalize alike."""
    norm = [normalize(h) for h in header]
    blank = [f"column {i + 1} ({h!r})" if h else f"column {i + 1}" for i, h in enumerate(header) if not norm[i]]
    if blank:
        raise HeaderProblem(
            f"header without a name to match by: {', '.join(blank)} (only spaces or punctuation); "
            "give the column a name in the export"
        )
    counts = Counter(norm)
    dupes = sorted({header[i] for i, n in enumerate(norm) if counts[n] > 1})
    if dupes:
        raise HeaderProblem(f"duplicate column(s) in header: {', '.join(dupes)}")
    return norm


def _match(extract: Extract, column: str, aliases: list[str], header: list[str], pos: dict[str, int]) -> int | None:
    """The position of the one delivered column that is `column` by its own name or an alias, or None.

    Two delivered columns that both match (`Amount` beside an aliased `商机金额`) are an error naming both: which one
    is meant cannot be decided from the file. An alias that normalizes to nothing would match any nameless column,
    so it is an error naming the configuration key."""
    for alias in aliases:
        if not normalize(alias):
            raise HeaderProblem(
                f"alias {alias!r} for {column} has no letter or digit to match by; "
                f"fix aliases.{extract.name}.{column} in the source configuration"
            )
    found = sorted({pos[n] for n in (normalize(c) for c in (column, *aliases)) if n in pos})
    if len(found) > 1:
        names = " and ".join(header[i] for i in found)
        raise HeaderProblem(
            f"columns {names} both match {column} (by name or aliases.{extract.name}.{column}); "
            "keep one in the export or change the alias"
        )
    return found[0] if found else None


def normalized_expr(extract: Extract, name: str, v: str, timezone: str, full: bool = True) -> str:
    """The contract text of a validated value (ingest/values.py): a date keeps its date (in company time when it has
    a zone), a timestamp without zone is UTC (what Fivetran and the Bulk API write) and a date alone in a timestamp
    column is midnight company time, numbers lose thousands separators and currency signs, booleans are
    `true`/`false`, a month keeps `YYYY-MM`. Without `full`, for a value in the contract's own form, the short
    expression that normalizes only those (values.contract_text)."""
    col = extract.column(name)
    text = value_text(col, v, timezone, validated=True) if full else contract_text(col, v, timezone)
    if text is not None:
        return text
    if col.kind == "month":
        return f"left({v}, 7)"
    return v


def row_checks(
    extract: Extract, value_of: dict[str, str], full: bool = True, control_free: frozenset[str] = frozenset()
) -> list[Check]:
    """All of a row's checks (ingest.sql.extract_checks) plus those that depend on another column: CloseDate and
    CreatedDate are required on a closed deal only, so an open deal without them yet still counts as pipeline.
    `control_free`: the columns known to hold no control character (ingest.sql.column_checks). A row's reasons are
    ingest.sql.reasons_expr of these; whether it has any, ingest.sql.any_problem."""
    checks = extract_checks(extract, value_of, full, control_free)
    if "IsClosed" in value_of:
        closed = f"lower({value_of['IsClosed']}) IN {_TRUE}"
        checks += [
            (f"{value_of[c.name]} IS NULL AND {closed}", lit(f"missing {c.name}"))
            for c in extract.columns
            if c.required_when_closed
        ]
    return checks


def projections(extract: Extract, hm: HeaderMap, timezone: str, full: bool = True) -> tuple[str, str]:
    """(select list of delivered values, select list of normalized values) over `_ingest_rows`.

    A Salesforce checkbox the file delivers reads an empty field as false (values.is_checkbox); a flag the
    configuration supplies (derived from the stage map) is not a checkbox and keeps its NULL for an unknown stage."""
    delivered = []
    for col in extract.columns:
        src = hm.source[col.name]
        if is_checkbox(extract, col) and col.name in hm.mapped and col.name not in hm.supplied:
            src = f"coalesce({src}, 'false')"
        delivered.append(f"{src} AS {ident(col.name)}")
    norm = ", ".join(
        f"{normalized_expr(extract, c, ident(c), timezone, full)} AS {ident(c)}" for c in extract.column_names
    )
    return ", ".join(delivered), norm


def configure(extract: Extract, config: SourceConfig) -> Extract:
    """The extract as this company's configuration validates it.

    A mapped field a formula needs accepts exactly the configured values (others are quarantined with the map to
    extend); a mapped field no formula needs accepts any value (unmapped ones are reported by a warning test).
    """
    cols = []
    for col in extract.columns:
        pick = config.picklist(extract.name, col.name)
        if pick is None:
            cols.append(col)
        elif pick.formula_needed:
            hint = f"add it to {pick.config_key} in the source configuration"
            cols.append(replace(col, kind="enum", values=tuple(pick.mapping), hint=hint))
        else:
            cols.append(replace(col, kind="str", values=()))
    return replace(extract, columns=tuple(cols))
