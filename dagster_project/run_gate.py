"""The nothing-new rule, written once: `spm run` asks it before importing Dagster, the job's first asset asks it again.

Both callers build the same `Decision` from the same inputs (the landing inventory, the build inputs, the resolved
settings and the warehouse file, compared by `run_state` with the last successful run's record), so `spm run` and
the `monthly_build` schedule skip on exactly the same condition. Standard library, settings and the source
configuration only: `spm run` answers "nothing changed" in a fraction of a second (docs/architecture.md, "One run").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dagster_project import run_state
from dagster_project.i18n import DEFAULT_LOCALE
from dagster_project.settings import REPO_ROOT, Settings


@dataclass
class Decision:
    """Build or not, and why: `state` is what the build starts from (recorded after it succeeds)."""

    state: run_state.RunState
    comparison: run_state.Comparison
    forced: str

    @property
    def build(self) -> bool:
        return bool(self.forced) or not self.comparison.unchanged

    @property
    def why(self) -> str:
        """The log line's reason to build: the forcing option, or every change found."""
        return self.forced or "; ".join(self.comparison.changes)

    def render_unchanged(self, warehouse: Path) -> str:
        return run_state.render_unchanged(self.comparison, warehouse, self.state.scan_seconds)


def _reporting_currency() -> str:
    """SPM_REPORTING_CURRENCY when `spm` exported it, else the source configuration's (a schedule's run)."""
    if os.environ.get("SPM_REPORTING_CURRENCY"):
        return os.environ["SPM_REPORTING_CURRENCY"]
    from dagster_project.source_config import load_source_config

    return load_source_config().reporting_currency


def fingerprint(settings: Settings) -> dict[str, str]:
    """The resolved settings a build's results depend on (run_state.run_settings) plus the preset, if any."""
    source_config = Path(os.environ["SPM_SOURCE_CONFIG"]) if os.environ.get("SPM_SOURCE_CONFIG") else None
    result = run_state.run_settings(settings.as_of, settings.timezone, _reporting_currency(), source_config)
    if os.environ.get("SPM_PRESET"):
        result["preset"] = os.environ["SPM_PRESET"]
    if settings.locale != DEFAULT_LOCALE:  # the dashboard's language; absent in English, so old records still match
        result["locale"] = settings.locale
    return result


def decide(settings: Settings, forced: str = "") -> Decision:
    """Compare the state now with the last successful run's record. `forced` ("forced (--force)", "full refresh")
    builds whatever the comparison says. A skip that had to re-hash files keeps their new stat in the record."""
    record = run_state.read_record(settings.warehouse)
    state = run_state.current_state(settings.landing_dir, REPO_ROOT, fingerprint(settings), record)
    decision = Decision(state, run_state.compare(state, record, settings.warehouse), forced)
    if not decision.build:
        run_state.refresh_landing_stats(settings.warehouse, decision.comparison.record or {}, state)
    return decision


def stopped(warehouse: Path) -> None:
    """A run that stops before building (a required extract missing) is a failed run: the next one builds."""
    run_state.forget(warehouse)
