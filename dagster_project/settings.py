"""Run settings, read from the environment (README, The commands: SPM_LANDING_DIR, SPM_WAREHOUSE, SPM_AS_OF).

Kept in one place so the CLI, the Dagster resources and dbt's profile all see the same paths: the CLI exports
absolute paths back into the environment before dbt starts, because dbt runs with the dbt project as its
working directory and would otherwise resolve relative paths against it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dagster_project.i18n import DEFAULT_LOCALE, check_locale

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"

DEFAULT_LANDING = "data/landing"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
DEFAULT_TIMEZONE = "Asia/Shanghai"
"""The company's time zone unless SPM_TIMEZONE says otherwise. dbt_project.yml repeats it as the default of its
`timezone` var only for a bare `dbt build`: every run through spm or Dagster exports SPM_TIMEZONE first."""


def company_timezone() -> str:
    """The time zone business dates are read in (SPM_TIMEZONE, else DEFAULT_TIMEZONE): ingest, the schedules and
    dbt (through the exported variable) must agree, so this is the one place that reads it."""
    return os.environ.get("SPM_TIMEZONE", DEFAULT_TIMEZONE)


def reader_locale() -> str:
    """The language of what people read (SPM_LOCALE, else i18n.DEFAULT_LOCALE), checked: a misspelt locale stops
    the run rather than silently writing English."""
    return check_locale(os.environ.get("SPM_LOCALE") or DEFAULT_LOCALE)


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    as_of: str | None
    timezone: str
    locale: str = DEFAULT_LOCALE
    """The readers' language (SPM_LOCALE: en or zh-CN; dagster_project/i18n.py, docs/locale.md)."""

    @classmethod
    def from_env(cls) -> Settings:
        """An unset or empty variable means the default (an empty SPM_WAREHOUSE is not the working folder)."""
        as_of = os.environ.get("SPM_AS_OF") or None
        return cls(
            landing_dir=Path(os.environ.get("SPM_LANDING_DIR") or DEFAULT_LANDING).resolve(),
            warehouse=Path(os.environ.get("SPM_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve(),
            as_of=as_of,
            timezone=company_timezone(),
            locale=reader_locale(),
        )

    def export(self) -> None:
        """Write the resolved settings back to the environment for child processes (dbt)."""
        os.environ["SPM_LANDING_DIR"] = str(self.landing_dir)
        os.environ["SPM_WAREHOUSE"] = str(self.warehouse)
        os.environ["SPM_TIMEZONE"] = self.timezone
        os.environ["SPM_LOCALE"] = self.locale
        if self.as_of:
            os.environ["SPM_AS_OF"] = self.as_of
        else:
            os.environ.pop("SPM_AS_OF", None)
