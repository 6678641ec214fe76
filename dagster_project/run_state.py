"""Has anything changed since the last successful `spm run` on this warehouse? Decided with the standard library only.

Importing Dagster and dagster-dbt costs seconds and a dbt build tens of seconds, so `spm run` asks this question
first. It compares four things with what a sidecar record (`<warehouse>.last_run.json`) says they were when the
last fully successful run started:

- the landing inventory: every delivery file (relative path -> SHA-256 of its bytes, the identity the ingest itself
  uses to recognise a re-delivered file). A file whose size and mtime are the ones recorded keeps its recorded hash;
  any other file is hashed, so a copy or re-sync that rewrites mtimes but not bytes still counts as unchanged;
- the build inputs: the content of every file of the dbt project (models, macros, seeds including the policy seeds,
  tests, snapshots, analyses, dbt_project.yml, selectors.yml, profiles.yml, packages.yml), of the Python package
  (ingest, assets, checks) and of the Great Expectations suites, plus pyproject.toml (the pinned versions);
- the settings that change results: as-of date, time zone, reporting currency and the source configuration's content;
- the warehouse file itself (size and mtime after the run): anything else that wrote it since (a publication, a
  failed run, a restore) makes the record stale, because the marts also read the `publish` schema.

The record is written only after a fully successful run and deleted before any build starts, so a failed or
interrupted build can never leave a record behind that says its warehouse is current. Every comparison errs toward
rebuilding: an unreadable record, a different record version or any difference means "build".
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RECORD_VERSION = 1
RECORD_SUFFIX = ".last_run.json"

DBT_INPUTS = (
    "models", "macros", "seeds", "tests", "snapshots", "analyses",
    "dbt_project.yml", "selectors.yml", "profiles.yml", "packages.yml", "dependencies.yml",
)
"""What `dbt build` reads from the project folder (never target/, logs/ or dbt_packages/)."""

_CHUNK = 8 << 20


def record_path(warehouse: Path) -> Path:
    """The sidecar next to the warehouse: it moves, and is deleted, with the warehouse's folder."""
    return warehouse.with_name(warehouse.name + RECORD_SUFFIX)


def _visible_files(folder: Path) -> Iterator[Path]:
    """Files under `folder`, skipping dot-files and dot-folders at any depth (the ingest ignores them too)."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            if not name.startswith(".") and not name.endswith(".pyc"):
                yield Path(root) / name


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks (the same digest the ingest records as `_source_sha256`)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class LandingFile:
    """One landing file as the record keeps it: its bytes' hash and the stat that lets the next run trust it."""

    sha256: str
    size: int
    mtime_ns: int


@dataclass
class Landing:
    """The landing inventory: relative path -> file, and how many files had to be hashed to know it."""

    files: dict[str, LandingFile]
    hashed: int = 0


def scan_landing(landing_dir: Path, known: Mapping[str, LandingFile] | None = None) -> Landing:
    """Every visible file under the landing folder with its SHA-256.

    A file whose size and mtime equal those in `known` (the last record) keeps the recorded hash without being
    read: at scale 1 that is 184 `stat` calls instead of reading 230 MB. Any other file is hashed.
    """
    known = known or {}
    files: dict[str, LandingFile] = {}
    hashed = 0
    for path in _visible_files(landing_dir):
        st = path.stat()
        rel = path.relative_to(landing_dir).as_posix()
        prior = known.get(rel)
        if prior is not None and prior.size == st.st_size and prior.mtime_ns == st.st_mtime_ns:
            files[rel] = prior
            continue
        files[rel] = LandingFile(sha256_file(path), st.st_size, st.st_mtime_ns)
        hashed += 1
    return Landing(files, hashed)


def hash_tree(root: Path, names: Iterable[str]) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under the named files and folders of `root` that exist."""
    out: dict[str, str] = {}
    for name in names:
        path = root / name
        paths = [path] if path.is_file() else _visible_files(path) if path.is_dir() else []
        for file in paths:
            out[file.relative_to(root).as_posix()] = sha256_file(file)
    return out


def build_inputs(repo_root: Path) -> dict[str, str]:
    """Hashes of everything a build reads besides the landing folder: dbt project, package code, GX suites."""
    inputs = {f"dbt/{k}": v for k, v in hash_tree(repo_root / "dbt", DBT_INPUTS).items()}
    inputs.update(hash_tree(repo_root, ("dagster_project", "expectations", "pyproject.toml")))
    return inputs


def run_settings(
    as_of: str | None, timezone: str, reporting_currency: str, source_config: Path | None
) -> dict[str, str]:
    """The resolved settings a build's results depend on, as text; the source configuration by content, not path.

    Resolved values, not raw environment variables: an unset SPM_TIMEZONE and SPM_TIMEZONE=Asia/Shanghai build
    the same warehouse, so they must compare equal.
    """
    return {
        "as_of": as_of or "latest business date seen",
        "timezone": timezone,
        "reporting_currency": reporting_currency,
        "source_config": sha256_file(source_config) if source_config else "built-in",
    }


def _warehouse_stat(warehouse: Path) -> dict[str, int] | None:
    if not warehouse.is_file():
        return None
    st = warehouse.stat()
    wal = warehouse.with_name(warehouse.name + ".wal")
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "wal": wal.stat().st_size if wal.exists() else 0}


@dataclass
class RunState:
    """What a build would start from now; `scan_seconds` is how long finding that out took."""

    landing: Landing
    inputs: dict[str, str]
    settings: dict[str, str]
    scan_seconds: float = 0.0

    def to_record(self, warehouse: Path, seconds: float) -> dict[str, object]:
        return {
            "version": RECORD_VERSION,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "run_seconds": round(seconds, 1),
            "landing": {k: [f.sha256, f.size, f.mtime_ns] for k, f in sorted(self.landing.files.items())},
            "inputs": dict(sorted(self.inputs.items())),
            "settings": self.settings,
            "warehouse": _warehouse_stat(warehouse),
        }


def read_record(warehouse: Path) -> dict[str, object] | None:
    """The last successful run's record, or None when there is none or it cannot be trusted (then: build)."""
    path = record_path(warehouse)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        return None
    shapes = {"landing": dict, "inputs": dict, "settings": dict, "finished_at": str}
    if any(not isinstance(record.get(key), kind) for key, kind in shapes.items()):
        return None
    try:
        _recorded_landing(record)
    except (TypeError, ValueError, IndexError):
        return None
    return record


def _recorded_landing(record: Mapping[str, object] | None) -> dict[str, LandingFile]:
    landing = (record or {}).get("landing") or {}
    if not isinstance(landing, dict):
        raise TypeError("landing inventory of the run record is not a mapping")
    return {k: LandingFile(str(v[0]), int(v[1]), int(v[2])) for k, v in landing.items()}


def current_state(
    landing_dir: Path, repo_root: Path, settings: dict[str, str], record: Mapping[str, object] | None
) -> RunState:
    """Scan the landing folder (reusing the record's hashes where the stat matches) and hash the build inputs;
    `settings` comes from `run_settings`."""
    started = time.perf_counter()
    landing = scan_landing(landing_dir, _recorded_landing(record))
    state = RunState(landing, build_inputs(repo_root), settings)
    state.scan_seconds = time.perf_counter() - started
    return state


def _diff(now: Mapping[str, str], before: Mapping[str, str]) -> tuple[list[str], list[str], list[str]]:
    added = sorted(set(now) - set(before))
    removed = sorted(set(before) - set(now))
    changed = sorted(k for k in set(now) & set(before) if now[k] != before[k])
    return added, removed, changed


def _names(kind: str, names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
    return f"{len(names)} {kind}: {shown}"


@dataclass
class Comparison:
    """The answer: `changes` empty means nothing changed; `compared` says what was looked at, for the user."""

    changes: list[str] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)
    record: Mapping[str, object] | None = None

    @property
    def unchanged(self) -> bool:
        return self.record is not None and not self.changes


def compare(state: RunState, record: Mapping[str, object] | None, warehouse: Path) -> Comparison:
    """What differs between the state now and the last successful run's record (every difference is listed)."""
    result = Comparison(record=record)
    landing = state.landing
    result.compared = [
        f"{len(landing.files)} landing files (path and SHA-256; {landing.hashed} hashed, "
        f"{len(landing.files) - landing.hashed} known by size and mtime)",
        f"{sum(k.startswith('dbt/') for k in state.inputs)} dbt project files (models, macros, seeds, tests, "
        "dbt_project.yml, selectors.yml, profiles.yml) and "
        f"{sum(not k.startswith('dbt/') for k in state.inputs)} package, GX suite and pyproject files by SHA-256",
        "settings (as-of date, time zone, reporting currency, source configuration)",
        "the warehouse file (size and mtime since that run)",
    ]
    if record is None:
        result.changes.append(f"no record of a successful run on this warehouse ({record_path(warehouse).name})")
        return result
    before = {k: f.sha256 for k, f in _recorded_landing(record).items()}
    added, removed, changed = _diff({k: f.sha256 for k, f in landing.files.items()}, before)
    for kind, names in (("new landing file(s)", added), ("landing file(s) gone", removed),
                        ("landing file(s) with new content", changed)):
        if names:
            result.changes.append(_names(kind, names))
    recorded_inputs = record.get("inputs") or {}
    added, removed, changed = _diff(state.inputs, recorded_inputs)  # type: ignore[arg-type]
    if added or removed or changed:
        result.changes.append(_names("build input(s) added, removed or edited", sorted(added + removed + changed)))
    recorded_settings: Mapping[str, str] = record.get("settings") or {}  # type: ignore[assignment]
    moved = sorted(k for k in set(state.settings) | set(recorded_settings)
                   if state.settings.get(k) != recorded_settings.get(k))
    if moved:
        result.changes.append(f"settings changed: {', '.join(moved)}")
    if _warehouse_stat(warehouse) != record.get("warehouse"):
        result.changes.append("the warehouse file changed or is missing since that run (another command wrote it)")
    return result


def render_unchanged(comparison: Comparison, warehouse: Path, seconds: float) -> str:
    """What `spm run` prints when it does not build: that nothing changed, since when, and what was compared."""
    record = comparison.record or {}
    lines = [
        f"Nothing changed since the last successful run (finished {record.get('finished_at')}, "
        f"built in {record.get('run_seconds')} s). Compared:",
        *(f"  {item}" for item in comparison.compared),
        f"Nothing rebuilt; checked in {seconds:.1f} s. The marts in schema `marts` of {warehouse} are current "
        "(`spm run --force` rebuilds anyway).",
    ]
    return "\n".join(lines)


def forget(warehouse: Path) -> None:
    """Delete the record before a build starts: until that build succeeds the warehouse is not known to be current."""
    record_path(warehouse).unlink(missing_ok=True)


def write_record(warehouse: Path, state: RunState, seconds: float) -> Path:
    """Write the record after a fully successful run (atomically, so a crash leaves the old file or none)."""
    path = record_path(warehouse)
    write_atomically(path, json.dumps(state.to_record(warehouse, seconds), indent=1).encode("utf-8"))
    return path


def write_atomically(path: Path, data: bytes) -> None:
    """Write `path` through a temporary file of this process and a rename: a reader, or another `spm` process
    writing the same file at the same time (the kept dbt state in dbt/target), sees the old bytes or the new ones,
    never a half-written file."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def refresh_landing_stats(warehouse: Path, record: Mapping[str, object], state: RunState) -> None:
    """After a skip that had to re-hash files (same bytes, new mtime), keep their new stat so the next check is fast.

    Only the landing stats change; the warehouse is not touched, so the record stays valid.
    """
    if not state.landing.hashed:
        return
    updated = dict(record)
    updated["landing"] = {k: [f.sha256, f.size, f.mtime_ns] for k, f in sorted(state.landing.files.items())}
    write_atomically(record_path(warehouse), json.dumps(updated, indent=1).encode("utf-8"))
