"""The monthly performance dashboard (月度业绩仪表盘): self-contained HTML pages read from the marts.

`write_dashboard(warehouse, "2025-11", out)` writes out/index.html (company), out/teams/<team>.html and
out/reps/<employee>.html, linked relatively, with no server and no network needed to open them.
"""

from __future__ import annotations

from pathlib import Path

from dagster_project.dashboard.data import DashboardError, load_dashboard
from dagster_project.dashboard.render import write_dashboard_pages
from dagster_project.settings import reader_locale

__all__ = ["DashboardError", "default_out", "write_dashboard"]


def default_out(warehouse: Path, month: str) -> Path:
    """Where `spm dashboard` and `spm run` write a month: beside the warehouse, under dashboard/<month>/."""
    return warehouse.parent / "dashboard" / month


def write_dashboard(warehouse: Path, month: str, out: Path | None = None, locale: str | None = None) -> Path:
    """Read the month's figures (read-only) and write every page in `locale` (default: SPM_LOCALE, else English);
    returns the company page."""
    data = load_dashboard(warehouse, month)
    return write_dashboard_pages(data, out or default_out(warehouse, f"{data.month:%Y-%m}"),
                                 locale or reader_locale())
