"""Great Expectations 1.x quality gates over warehouse tables, reported as Dagster asset checks.

Why this module exists instead of ``dagster-ge``: that integration needs great-expectations < 1.0 and pandas
< 3, and GX 1.24.1 cannot validate DuckDB through its SQL datasource (docs/pitfalls.md 2 and 3). So the
suites committed in ``expectations/<model>.json`` (GX's own serialised ``ExpectationSuite`` format) are
validated against a pandas DataFrame read from DuckDB, through GX's fluent API, and the outcome is turned
into an ``AssetCheckResult``.

Rules GX has no built-in for (an aggregate, a ratio recomputed from its inputs) are not hand-rolled in
Python: a suite may carry ``meta.derived_sql``, a DuckDB query over the DataFrame registered as ``t``, whose
result is the DataFrame actually validated, so every rule still ends up as a GX expectation (see
``expectations/README.md``).

Great Expectations takes about 4 s to import, so it is imported lazily and one ephemeral context is built
per process; each validation registers its asset, suite and validation definition under unique names and
removes them afterwards, so repeated validations in one process neither collide nor accumulate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import itertools
import json
import math
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster_project import db
from dagster_project.settings import EXPECTATIONS_DIR

if TYPE_CHECKING:
    import dagster
    import pandas as pd

SAMPLE_LIMIT = 10
"""Unexpected values and sample rows kept per failed expectation: enough to find rows, small as metadata."""

DESCRIPTION_LINES = 12
"""Lines of ``describe()`` used as the Dagster check description (the full text is in the metadata)."""

DERIVED_TABLE = "t"
"""Name under which ``meta.derived_sql`` sees the DataFrame being validated."""

# The kwargs naming the columns an expectation is about; GX names them differently per expectation family.
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")

_lock = threading.Lock()
_sequence = itertools.count(1)


class SuiteError(ValueError):
    """A suite file is missing, malformed, or names an expectation GX does not know.

    Raised instead of validating because GX itself only logs and drops an invalid expectation when it builds a
    suite, and a silently smaller gate is worse than a failed run.
    """


@dataclass
class FailedExpectation:
    """One expectation that did not hold, with enough evidence to find the offending rows."""

    expectation_type: str
    kwargs: dict[str, Any]
    columns: list[str]
    severity: str
    notes: str | None = None
    element_count: int | None = None
    unexpected_count: int | None = None
    missing_count: int | None = None
    observed_value: Any = None
    unexpected_values: list[Any] = field(default_factory=list)
    sample_rows: list[dict[str, Any]] = field(default_factory=list)
    exception: str | None = None

    def headline(self) -> str:
        """One line: the expectation, what it was about and how badly it failed."""
        target = f" [{', '.join(self.columns)}]" if self.columns else ""
        condition = self.kwargs.get("row_condition")
        where = f" where {_condition_text(condition)}" if condition else ""
        if self.exception:
            detail = f"raised {self.exception}"
        elif self.unexpected_count is not None:
            detail = f"{self.unexpected_count} of {self.element_count} rows unexpected"
            if self.missing_count:
                detail += f" ({self.missing_count} null, not checked)"
        else:
            detail = f"observed {_short(self.observed_value)}"
        bounds = {k: v for k, v in self.kwargs.items() if k not in (*_COLUMN_KWARGS, "row_condition")}
        args = f" {_short(bounds)}" if bounds else ""
        return f"{self.expectation_type}{target}{where}{args}: {detail}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe form for Dagster metadata."""
        return _jsonable(
            {
                "expectation": self.expectation_type,
                "columns": self.columns,
                "kwargs": self.kwargs,
                "severity": self.severity,
                "notes": self.notes,
                "element_count": self.element_count,
                "unexpected_count": self.unexpected_count,
                "missing_count": self.missing_count,
                "observed_value": self.observed_value,
                "unexpected_values": self.unexpected_values,
                "sample_rows": self.sample_rows,
                "exception": self.exception,
            }
        )


@dataclass
class SuiteOutcome:
    """The result of one suite over one DataFrame, independent of GX's result classes.

    Kept free of GX types so callers (Dagster checks, the CLI summary, tests) can use it without importing GX.
    """

    suite_name: str
    success: bool
    evaluated: int
    failed: list[FailedExpectation]
    rows: int = 0

    def describe(self) -> str:
        """Readable multi-line text: which expectation failed, on which values and rows."""
        status = "passed" if self.success else "FAILED"
        lines = [
            f"Suite {self.suite_name} {status}: {len(self.failed)} of {self.evaluated} expectations failed "
            f"({self.rows} rows validated)"
        ]
        for number, failure in enumerate(self.failed, start=1):
            lines.append(f"{number}. {failure.headline()}")
            if failure.notes:
                lines.append(f"   rule: {failure.notes}")
            if failure.unexpected_values:
                # Duplicated keys repeat in GX's list; show each value once with its count.
                counts = Counter(_short(value) for value in failure.unexpected_values)
                values = ", ".join(text if n == 1 else f"{text} (x{n})" for text, n in counts.items())
                lines.append(f"   unexpected values: {values}")
            for row in failure.sample_rows:
                lines.append(f"   row: {_short(row)}")
        return "\n".join(lines)

    def metadata(self) -> dict[str, Any]:
        """JSON-safe dict for ``AssetCheckResult(metadata=...)``: counts, then each failure's evidence."""
        return {
            "suite": self.suite_name,
            "success": self.success,
            "rows_validated": self.rows,
            "expectations_evaluated": self.evaluated,
            "expectations_failed": len(self.failed),
            "failures": [failure.as_dict() for failure in self.failed],
        }


def suite_path(name: str, directory: Path = EXPECTATIONS_DIR) -> Path:
    """Where the suite guarding model ``name`` lives (one file per model, named after it)."""
    return Path(directory) / f"{name}.json"


def load_suite(name: str, directory: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    """Read ``expectations/<name>.json`` as a dict, checking the parts this module relies on.

    The file is GX's serialised ``ExpectationSuite``; GX parses the expectations when the suite is built.
    """
    path = suite_path(name, directory)
    if not path.is_file():
        raise SuiteError(f"no suite {name!r}: {path} does not exist")
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SuiteError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(suite, dict) or not isinstance(suite.get("expectations"), list):
        raise SuiteError(f"{path} must be an object with an 'expectations' list")
    if suite.get("name") != name:
        raise SuiteError(f"{path} declares name {suite.get('name')!r}; it must be named after its file")
    derived = suite.get("meta", {}).get("derived_sql")
    if derived is not None and not isinstance(derived, (str, list)):
        raise SuiteError(f"{path}: meta.derived_sql must be a string or a list of lines")
    return suite


def derived_sql(suite: dict[str, Any]) -> str | None:
    """The suite's derived-columns query, if any (a list of lines is joined, for readable JSON)."""
    sql = suite.get("meta", {}).get("derived_sql")
    if isinstance(sql, list):
        sql = "\n".join(sql)
    return sql or None


def apply_derived_sql(df: pd.DataFrame, sql: str) -> pd.DataFrame:
    """Run ``sql`` in an in-memory DuckDB over ``df`` registered as ``t``; the result is what gets validated.

    In-memory and closed at once, so it never touches (or locks) the warehouse file.
    """

    con = db.memory()
    try:
        con.register(DERIVED_TABLE, df)
        return con.execute(sql).df()
    finally:
        con.close()


def validate_dataframe(
    df: pd.DataFrame, suite_name: str, *, directory: Path = EXPECTATIONS_DIR
) -> SuiteOutcome:
    """Validate ``df`` with the committed suite ``suite_name`` (after its derived-columns step, if any)."""
    suite_dict = load_suite(suite_name, directory)
    sql = derived_sql(suite_dict)
    data = apply_derived_sql(df, sql) if sql else df
    # Positional index, so the row indices GX reports can be looked up for sample rows.
    data = data.reset_index(drop=True)
    result = _run_gx(data, suite_dict)
    return _outcome(suite_name, result, data)


def validate_table(
    warehouse: Path,
    table: str,
    suite_name: str | None = None,
    where: str | None = None,
    *,
    directory: Path = EXPECTATIONS_DIR,
) -> SuiteOutcome:
    """Read ``table`` (optionally filtered by the SQL predicate ``where``) from DuckDB and validate it.

    The connection is read-only and closed before GX runs: DuckDB allows one writer process and any open
    connection blocks it (docs/pitfalls.md 7). ``suite_name`` defaults to the table name without its schema.
    """
    query = f"select * from {db.qualified(table)}"
    if where:
        query += f" where {where}"
    with db.connect(warehouse) as con:
        df = con.execute(query).df()
    return validate_dataframe(df, suite_name or table.rsplit(".", 1)[-1], directory=directory)


def asset_check_result(
    outcome: SuiteOutcome,
    *,
    blocking_severity: bool = True,
    asset_key: Any = None,
    check_name: str | None = None,
) -> dagster.AssetCheckResult:
    """Turn an outcome into a Dagster ``AssetCheckResult``.

    ERROR severity (with ``@asset_check(blocking=True)``) stops downstream publication; WARN reports without
    blocking. ``asset_key``/``check_name`` are only needed when one check function reports for several assets.
    """
    import dagster

    severity = dagster.AssetCheckSeverity.ERROR if blocking_severity else dagster.AssetCheckSeverity.WARN
    description = "\n".join(outcome.describe().splitlines()[:DESCRIPTION_LINES])
    return dagster.AssetCheckResult(
        passed=outcome.success,
        asset_key=asset_key,
        check_name=check_name,
        severity=severity,
        metadata=outcome.metadata(),
        description=description,
    )


def prewarm() -> threading.Thread:
    """Import GX and build the context on a background thread (≈4 s). A run starts this while dbt works in its
    own process, so the quality gate that follows does not pay for the import; `_run_gx` waits on the same lock."""

    def build() -> None:
        with _lock:
            _gx_context()

    thread = threading.Thread(target=build, name="gx-prewarm", daemon=True)
    thread.start()
    return thread


# --- Great Expectations plumbing ---------------------------------------------------------------------------


@cache
def _gx_context() -> tuple[Any, Any]:
    """Import GX and build one ephemeral context with a pandas datasource (≈4 s, so once per process)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # tqdm bars on stderr would only clutter Dagster's compute logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    datasource = context.data_sources.add_pandas(name="spm_dataframes")
    return context, datasource


def _build_suite(suite_dict: dict[str, Any], name: str) -> Any:
    """An ``ExpectationSuite`` from its serialised form, through GX's schema and registry.

    Each expectation is built on its own first: ``ExpectationSuite(...)`` only logs and drops an invalid one.
    """
    import great_expectations as gx
    from great_expectations.core.expectation_suite import expectationSuiteSchema

    try:
        loaded = expectationSuiteSchema.load({**suite_dict, "name": name})
    except Exception as error:  # marshmallow ValidationError; GX does not re-export it
        raise SuiteError(f"suite {suite_dict.get('name')!r} is not a GX ExpectationSuite: {error}") from error
    loaded.pop("id", None)
    for number, config in enumerate(loaded["expectations"], start=1):  # ExpectationConfiguration objects
        try:
            config.to_domain_obj()
        except Exception as error:
            message = f"suite {suite_dict['name']!r}, expectation {number} ({config.type}): {error}"
            raise SuiteError(message) from error
    return gx.ExpectationSuite(**loaded)


def _run_gx(df: pd.DataFrame, suite_dict: dict[str, Any]) -> dict[str, Any]:
    """Validate ``df`` and return GX's result as a JSON dict; GX objects are registered and removed again."""
    import great_expectations as gx

    with _lock:  # the ephemeral context is shared state; Dagster may run checks in threads
        context, datasource = _gx_context()
        name = f"{suite_dict['name']}__{next(_sequence)}"
        suite = context.suites.add(_build_suite(suite_dict, name))
        try:
            asset = datasource.add_dataframe_asset(name=name)
            batch_definition = asset.add_batch_definition_whole_dataframe(name)
            validation = gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
            result = validation.run(batch_parameters={"dataframe": df}, result_format="SUMMARY")
            return result.to_json_dict()
        finally:
            removers = (context.validation_definitions.delete, context.suites.delete, datasource.delete_asset)
            for remove in removers:
                # Raises only if an earlier step failed before registering it: nothing to clean then.
                with contextlib.suppress(Exception):
                    remove(name)


def _outcome(suite_name: str, result: dict[str, Any], df: pd.DataFrame) -> SuiteOutcome:
    """Reduce GX's result dict to a ``SuiteOutcome`` with sample rows looked up in the validated DataFrame."""
    failed = [_failure(item, df) for item in result["results"] if not item["success"]]
    return SuiteOutcome(
        suite_name=suite_name,
        success=bool(result["success"]),
        evaluated=int(result["statistics"]["evaluated_expectations"]),
        failed=failed,
        rows=len(df),
    )


def _failure(item: dict[str, Any], df: pd.DataFrame) -> FailedExpectation:
    config = item["expectation_config"]
    kwargs = {k: v for k, v in config["kwargs"].items() if k != "batch_id"}
    details = item.get("result") or {}
    columns: list[str] = []
    for key in _COLUMN_KWARGS:
        value = kwargs.get(key)
        if isinstance(value, str):
            columns.append(value)
        elif isinstance(value, list):
            columns.extend(str(column) for column in value)
    exception = _exception_message(item.get("exception_info"))
    indices = details.get("partial_unexpected_index_list") or []
    sample_rows = [
        {str(column): value for column, value in df.loc[index].items()}
        for index in indices[:SAMPLE_LIMIT]
        if isinstance(index, int) and index in df.index
    ]
    return FailedExpectation(
        expectation_type=config["type"],
        kwargs=_jsonable(kwargs),
        columns=columns,
        severity=str(config.get("severity") or "critical"),
        notes=_notes_text(config.get("notes")),
        element_count=details.get("element_count"),
        unexpected_count=details.get("unexpected_count"),
        missing_count=details.get("missing_count"),
        observed_value=_jsonable(details.get("observed_value")),
        unexpected_values=_jsonable((details.get("partial_unexpected_list") or [])[:SAMPLE_LIMIT]),
        sample_rows=_jsonable(sample_rows),
        exception=exception,
    )


# --- small helpers -----------------------------------------------------------------------------------------


def _exception_message(info: Any) -> str | None:
    """GX reports an error either flat or keyed by metric id (e.g. a missing column); return its message."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "an exception") if info["raised_exception"] else None
    messages = [_exception_message(nested) for nested in info.values()]
    return "; ".join(sorted({message for message in messages if message})) or None


def _notes_text(notes: Any) -> str | None:
    if isinstance(notes, list):
        return " ".join(str(note) for note in notes) or None
    return str(notes) if notes else None


def _condition_text(condition: Any) -> str:
    """Render GX's serialised row condition (or a legacy string) as a short readable predicate."""
    if isinstance(condition, str):
        return condition
    if not isinstance(condition, dict):
        return str(condition)
    kind = condition.get("type")
    if kind in ("and", "or"):
        return "(" + f" {kind} ".join(_condition_text(part) for part in condition.get("conditions", [])) + ")"
    column = (condition.get("column") or {}).get("name", "?")
    if kind == "nullity":
        return f"{column} is {'' if condition.get('is_null') else 'not '}null"
    if kind == "comparison":
        return f"{column} {condition.get('operator')} {_short(condition.get('parameter'))}"
    if kind == "pass_through":
        return str(condition.get("pass_through_filter"))
    return json.dumps(condition, default=str)


def _short(value: Any, limit: int = 400) -> str:
    text = json.dumps(_jsonable(value), default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _jsonable(value: Any) -> Any:
    """Plain JSON types only (Dagster's JsonMetadataValue and event log need them); NaN/NaT become null."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return _jsonable(float(value))
    if isinstance(value, dt.datetime):  # also pandas.Timestamp; NaT is caught below
        if value != value:  # NaT
            return None
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return _jsonable(item())
        except (TypeError, ValueError):
            pass
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)
