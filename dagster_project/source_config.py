"""The source configuration: how one company's CRM export maps onto the landing contract.

The defaults (`source_config.yml` beside this module) describe the generator's files, so a generated landing folder
builds exactly as it always did; a company points SPM_SOURCE_CONFIG (or `--source-config`) at its own YAML and only
writes the sections that differ. Kept as data, not code, because every org's picklists differ and the person who
knows them (a Salesforce admin) should not have to edit SQL.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dagster_project.extracts import BY_NAME, JOB_LEVELS, STAGES

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent / "source_config.yml"
PRESET_DIR = Path(__file__).resolve().parent / "presets"
"""Shipped configurations for known export shapes (`spm check-sources --preset NAME`, `preset:` in a company file)."""

FUNNEL_STEPS = STAGES
"""The warehouse's funnel steps (metrics.md): the StageName values of the landing contract, so an org's stages each
count as one of them."""

_MERGED_PER_KEY = (
    "aliases", "custom_fields", "constants", "extra_columns", "code_columns", "check_sources", "file_formats"
)

ACCOUNT_TYPES = ("Prospect", "Customer", "Former Customer")
"""The contract's account types (extracts.py): what every value of `account_types:` maps to."""
INVOICE_STATUSES = ("OPEN", "PARTIAL", "PAID", "VOID")
CASE_CATEGORIES = ("complaint", "problem", "question", "request", "other")
"""What `case_types:` and `case_reasons:` map to; a case is a complaint when its Type or its Reason maps to complaint
(docs/service.md)."""
CASE_PRIORITIES = ("High", "Medium", "Low")
"""The priorities the complaint SLA (seed policy_service_sla) is set by."""
ORDER_STATUSES = ("draft", "activated")
"""An order is a delivery once its status maps to activated."""


class SourceConfigError(ValueError):
    """The configuration file is unreadable or names something the warehouse does not know."""


@dataclass(frozen=True)
class Picklist:
    """One mapped field: the export's values -> the warehouse's values.

    `formula_needed`: a value outside the map would change a KPI, so the row is quarantined; otherwise the value is
    kept and reported by a warning test.
    """

    extract: str
    field: str
    config_key: str
    mapping: dict[str, str]
    formula_needed: bool


@dataclass(frozen=True)
class StageRow:
    value: str
    step: str
    order: int
    closed: bool
    won: bool
    codes: tuple[str, ...] = ()
    """Codes the export may deliver instead of the label (Fxiaoke's `sales_stage` beside `sales_stage__r`)."""


@dataclass(frozen=True)
class FileFormat:
    """How one extract's files are read (section `file_formats`); every setting is optional.

    `encoding` overrides the detection of a CSV's text encoding (ingest/encoding.py); `sheet` names the workbook
    sheet to read (default the first) and `header_row` the sheet row holding the header (default 1); `date_order`
    settles `D-M-YYYY` dates (`day_first` / `month_first`) per contract column where the values do not."""

    encoding: str | None = None
    sheet: str | None = None
    header_row: int = 1
    date_order: dict[str, str] = field(default_factory=dict)


_DATE_ORDERS = ("day_first", "month_first")


def _file_formats(data: dict[str, Any], path: Path) -> dict[str, FileFormat]:
    from dagster_project.extracts import BY_NAME

    out = {}
    for ext, item in (data.get("file_formats") or {}).items():
        where = f"source configuration {path}: file_formats.{ext}"
        if ext not in BY_NAME:
            raise SourceConfigError(f"{where}: no such extract; use one of {', '.join(BY_NAME)}")
        item = item or {}
        unknown = sorted(set(item) - {"encoding", "sheet", "header_row", "date_order"})
        if not isinstance(item, dict) or unknown:
            raise SourceConfigError(f"{where}: settings are encoding, sheet, header_row and date_order")
        encoding = item.get("encoding")
        if encoding is not None:
            try:
                encoding = codecs.lookup(str(encoding)).name
            except LookupError:
                raise SourceConfigError(f"{where}.encoding: unknown encoding {encoding!r}") from None
        header_row = item.get("header_row", 1)
        if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
            raise SourceConfigError(f"{where}.header_row: a sheet row number (1 = the first row)")
        order = item.get("date_order") or {}
        date_cols = [c.name for c in BY_NAME[ext].columns if c.kind in ("date", "timestamp")]
        if isinstance(order, str):
            order = dict.fromkeys(date_cols, order)
        if not isinstance(order, dict) or any(v not in _DATE_ORDERS for v in order.values()):
            raise SourceConfigError(f"{where}.date_order: day_first or month_first, for all or per column")
        bad = sorted(set(order) - set(date_cols))
        if bad:
            raise SourceConfigError(f"{where}.date_order: {', '.join(bad)} is not a date or timestamp column")
        sheet = item.get("sheet")
        out[str(ext)] = FileFormat(encoding, None if sheet is None else str(sheet), header_row, dict(order))
    return out


@dataclass(frozen=True)
class SourceConfig:
    path: Path
    reporting_currency: str
    default_currency: str | None
    aliases: dict[str, dict[str, list[str]]]
    custom_fields: dict[str, str]
    stages: tuple[StageRow, ...]
    picklists: tuple[Picklist, ...]
    constants: dict[str, dict[str, str]] = field(default_factory=dict)
    """extract -> contract column -> the value of every row, for a column the export does not carry."""
    extra_columns: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """extract -> name in raw `_extra` -> delivered header names: a company's own field, kept under a stable name."""
    code_columns: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """extract -> contract column -> headers of a picklist's code column (Fxiaoke's `sales_stage` beside the label
    `sales_stage__r`): read only when no header or alias of the column is delivered, so a file with both loads the
    label and keeps the code in `_extra`, and one with the code alone loads the code (mapped through `codes:`)."""
    max_quarantine_share: float = 0.05
    """check-sources fails an extract whose quarantined share of rows is above this (`check_sources:`)."""
    preset: str | None = None
    file_formats: dict[str, FileFormat] = field(default_factory=dict)
    """extract -> how its files are read (encoding, sheet, header row, date order)."""

    def stage_flags(self) -> dict[str, tuple[bool, bool]]:
        """Delivered stage value (label or code) -> (closed, won), for deriving IsClosed/IsWon."""
        out: dict[str, tuple[bool, bool]] = {}
        for s in self.stages:
            for v in (s.value, *s.codes):
                out[v] = (s.closed, s.won)
        return out

    def file_format(self, extract: str) -> FileFormat:
        """How the extract's files are read: its `file_formats` entry, else the defaults (detect, first sheet)."""
        return self.file_formats.get(extract) or FileFormat()

    def header_aliases(self, extract: str) -> dict[str, list[str]]:
        """Contract column -> extra header names for one extract, custom fields included."""
        out = {col: list(names) for col, names in self.aliases.get(extract, {}).items()}
        custom = {"crm__account": ("tier", "Customer_Tier__c"), "crm__opportunity": ("product_line", "Product_Line__c")}
        if extract in custom:
            key, col = custom[extract]
            name = self.custom_fields.get(key)
            if name and name != col:
                out.setdefault(col, []).append(name)
        return out

    def picklist(self, extract: str, field: str) -> Picklist | None:
        return next((p for p in self.picklists if p.extract == extract and p.field == field), None)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourceConfigError(f"source configuration {path}: {exc}") from None
    if not isinstance(data, dict):
        raise SourceConfigError(f"source configuration {path}: expected a mapping at the top level")
    return data


def _merge(base: dict[str, Any], override: dict[str, Any], path: Path) -> dict[str, Any]:
    unknown = sorted(set(override) - set(base))
    if unknown:
        raise SourceConfigError(f"source configuration {path}: unknown section(s) {', '.join(unknown)}")
    out = dict(base)
    for key, value in override.items():
        if key in _MERGED_PER_KEY and isinstance(value, dict):
            out[key] = {**(base.get(key) or {}), **value}
        else:
            out[key] = value
    return out


def _str_map(data: dict[str, Any], key: str, path: Path) -> dict[str, str]:
    raw = data.get(key) or {}
    if not isinstance(raw, dict):
        raise SourceConfigError(f"source configuration {path}: {key} must map export values to warehouse values")
    return {str(k): str(v) for k, v in raw.items()}


def _stages(data: dict[str, Any], path: Path) -> tuple[StageRow, ...]:
    rows = []
    for i, item in enumerate(data.get("stages") or [], start=1):
        if not isinstance(item, dict) or "value" not in item or "step" not in item:
            raise SourceConfigError(f"source configuration {path}: stages[{i}] needs value and step")
        if item["step"] not in FUNNEL_STEPS:
            raise SourceConfigError(
                f"source configuration {path}: stage {item['value']!r} has step {item['step']!r}; "
                f"use one of {', '.join(FUNNEL_STEPS)}"
            )
        codes = item.get("codes") or ([item["code"]] if item.get("code") is not None else [])
        rows.append(
            StageRow(
                str(item["value"]), item["step"], i, bool(item.get("closed")), bool(item.get("won")),
                tuple(str(c) for c in (codes if isinstance(codes, list) else [codes])),
            )
        )
    if not rows:
        raise SourceConfigError(f"source configuration {path}: stages must list the org's stage picklist")
    return tuple(rows)


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yml"))


def preset_path(name: str) -> Path:
    path = PRESET_DIR / f"{name}.yml"
    if not path.is_file():
        raise SourceConfigError(f"unknown preset {name!r}; shipped presets: {', '.join(preset_names())}")
    return path


def _targets(data: dict[str, Any], key: str, allowed: tuple[str, ...], path: Path) -> dict[str, str]:
    """A map whose values must be the contract's own values (a typo there would quarantine every row)."""
    mapping = _str_map(data, key, path)
    bad = sorted(f"{k} -> {v}" for k, v in mapping.items() if v not in allowed)
    if bad:
        raise SourceConfigError(
            f"source configuration {path}: {key} maps to {', '.join(allowed)} only, not {'; '.join(bad)}"
        )
    return mapping


def _account_types(data: dict[str, Any], path: Path) -> dict[str, str]:
    return _targets(data, "account_types", ACCOUNT_TYPES, path)


def _nested(data: dict[str, Any], key: str, path: Path) -> dict[str, dict[str, Any]]:
    raw = data.get(key) or {}
    if not isinstance(raw, dict) or not all(isinstance(v, dict | None) for v in raw.values()):
        raise SourceConfigError(f"source configuration {path}: {key} maps an extract (crm__lead) to columns")
    return {str(ext): dict(cols) for ext, cols in raw.items() if cols}


def _check_columns(section: str, cols: dict[str, dict[str, Any]], path: Path) -> None:
    """A `constants:` column must be a contract column of a known extract (a typo would otherwise do nothing)."""
    for ext, names in cols.items():
        if ext not in BY_NAME:
            raise SourceConfigError(f"source configuration {path}: {section}: unknown extract {ext!r}")
        unknown = sorted(set(names) - set(BY_NAME[ext].column_names))
        if unknown:
            raise SourceConfigError(
                f"source configuration {path}: {section}.{ext}: {', '.join(unknown)} is not a column of {ext} "
                "(a company's own field goes under extra_columns)"
            )


def load_source_config(path: str | Path | None = None, preset: str | None = None) -> SourceConfig:
    """The defaults, overlaid with a preset, overlaid with the company's file.

    The file is `path`, else SPM_SOURCE_CONFIG; the preset is `preset`, else SPM_PRESET, else the file's `preset:`
    key. A preset is a shipped company file (dagster_project/presets/), so the company's own file only writes
    what differs from it.
    """
    data = _read(DEFAULT_CONFIG_PATH)
    chosen = path or os.environ.get("SPM_SOURCE_CONFIG") or None
    used = DEFAULT_CONFIG_PATH
    own: dict[str, Any] = {}
    if chosen:
        used = Path(chosen).resolve()
        own = _read(used)
    preset = preset or os.environ.get("SPM_PRESET") or own.get("preset") or None
    chain: list[Path] = []
    name = preset
    while name:  # a preset may build on another (fivetran_salesforce on salesforce_default_org)
        ppath = preset_path(str(name))
        if ppath in chain:
            raise SourceConfigError(f"preset {name!r} builds on itself")
        chain.append(ppath)
        name = _read(ppath).get("preset")
    for ppath in reversed(chain):
        data = _merge(data, {k: v for k, v in _read(ppath).items() if k != "preset"}, ppath)
    if chain and not chosen:
        used = chain[0]
    if chosen:
        data = _merge(data, {k: v for k, v in own.items() if k != "preset"}, used)
    stages = _stages(data, used)
    _check_columns("constants", _nested(data, "constants", used), used)
    _check_columns("code_columns", _nested(data, "code_columns", used), used)
    stage_map = {v: s.step for s in stages for v in (s.value, *s.codes)}
    picklists = (
        Picklist("crm__opportunity", "StageName", "stages", stage_map, True),
        Picklist("crm__opportunity_history", "StageName", "stages", stage_map, True),
        Picklist("crm__opportunity", "Type", "opportunity_types", _str_map(data, "opportunity_types", used), False),
        Picklist("crm__lead", "Status", "lead_statuses", _str_map(data, "lead_statuses", used), False),
        Picklist("crm__lead", "Rating", "lead_ratings", _str_map(data, "lead_ratings", used), False),
        Picklist("crm__task", "Type", "task_types", _str_map(data, "task_types", used), True),
        Picklist("crm__event", "Type", "event_types", _str_map(data, "event_types", used), True),
        Picklist("crm__account", "Type", "account_types", _account_types(data, used), True),
        Picklist("hr__employee", "job_level", "job_levels", _targets(data, "job_levels", JOB_LEVELS, used), True),
        Picklist("finance__invoice", "status", "invoice_statuses",
                 _targets(data, "invoice_statuses", INVOICE_STATUSES, used), True),
        Picklist("crm__case", "Type", "case_types", _targets(data, "case_types", CASE_CATEGORIES, used), False),
        Picklist("crm__case", "Reason", "case_reasons", _targets(data, "case_reasons", CASE_CATEGORIES, used), False),
        Picklist("crm__case", "Priority", "case_priorities",
                 _targets(data, "case_priorities", CASE_PRIORITIES, used), True),
        Picklist("crm__order", "Status", "order_statuses",
                 _targets(data, "order_statuses", ORDER_STATUSES, used), True),
    )
    aliases = {
        str(ext): {
            str(c): [str(n) for n in (names if isinstance(names, list) else [names])] for c, names in cols.items()
        }
        for ext, cols in (data.get("aliases") or {}).items()
        if cols
    }
    return SourceConfig(
        path=used,
        reporting_currency=str(data.get("reporting_currency") or "CNY"),
        default_currency=str(data["default_currency"]) if data.get("default_currency") else None,
        aliases=aliases,
        custom_fields={str(k): str(v) for k, v in (data.get("custom_fields") or {}).items() if v},
        stages=stages,
        picklists=picklists,
        constants={
            e: {str(c): str(v) for c, v in cols.items()} for e, cols in _nested(data, "constants", used).items()
        },
        extra_columns={
            e: {str(n): [str(h) for h in (hs if isinstance(hs, list) else [hs or n])] for n, hs in cols.items()}
            for e, cols in _nested(data, "extra_columns", used).items()
        },
        code_columns={
            e: {str(c): [str(h) for h in (hs if isinstance(hs, list) else [hs])] for c, hs in cols.items()}
            for e, cols in _nested(data, "code_columns", used).items()
        },
        max_quarantine_share=float((data.get("check_sources") or {}).get("max_quarantine_share", 0.05)),
        preset=str(preset) if preset else None,
        file_formats=_file_formats(data, used),
    )
