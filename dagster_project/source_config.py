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

from dagster_project.extracts import STAGES

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent / "source_config.yml"

FUNNEL_STEPS = STAGES
"""The warehouse's funnel steps (metrics.md): the StageName values of the landing contract, so an org's stages each
count as one of them."""

_MERGED_PER_KEY = ("aliases", "custom_fields", "file_formats")


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
    file_formats: dict[str, FileFormat] = field(default_factory=dict)

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
        rows.append(StageRow(str(item["value"]), item["step"], i, bool(item.get("closed")), bool(item.get("won"))))
    if not rows:
        raise SourceConfigError(f"source configuration {path}: stages must list the org's stage picklist")
    return tuple(rows)


def load_source_config(path: str | Path | None = None) -> SourceConfig:
    """The defaults overlaid with the company's file (`path`, else SPM_SOURCE_CONFIG, else defaults only)."""
    data = _read(DEFAULT_CONFIG_PATH)
    chosen = path or os.environ.get("SPM_SOURCE_CONFIG") or None
    used = DEFAULT_CONFIG_PATH
    if chosen:
        used = Path(chosen).resolve()
        data = _merge(data, _read(used), used)
    stages = _stages(data, used)
    stage_map = {s.value: s.step for s in stages}
    picklists = (
        Picklist("crm__opportunity", "StageName", "stages", stage_map, True),
        Picklist("crm__opportunity_history", "StageName", "stages", stage_map, True),
        Picklist("crm__opportunity", "Type", "opportunity_types", _str_map(data, "opportunity_types", used), False),
        Picklist("crm__lead", "Status", "lead_statuses", _str_map(data, "lead_statuses", used), False),
        Picklist("crm__lead", "Rating", "lead_ratings", _str_map(data, "lead_ratings", used), False),
        Picklist("crm__task", "Type", "task_types", _str_map(data, "task_types", used), True),
        Picklist("crm__event", "Type", "event_types", _str_map(data, "event_types", used), True),
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
        file_formats=_file_formats(data, used),
    )
