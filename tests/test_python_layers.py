"""The Python side of docs/architecture.md, "What each folder may import", checked on the source text (ast).

Why a test: the rules are what keep the light commands light (`spm explain-pay`, `spm check-contract` and the
pay, dashboard and report modules must work without importing Dagster, ~4 s with dagster-dbt) and the Dagster
layer the only place that knows about assets and jobs. A module-level import that breaks a rule fails here, with
the file and the import named.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PACKAGE = Path(__file__).resolve().parent.parent / "dagster_project"

#: Depend on nothing else of the package: the facts every other module reads (paths and time zone, the landing
#: contract, the source configuration, the connection helper and quoter, the publication tables, the readers'
#: language).
FOUNDATION = {"settings", "extracts", "source_config", "db", "publish", "i18n"}
#: The orchestration layer: the only modules that may import dagster or dagster_dbt at module level.
DAGSTER_LAYER = {"assets", "jobs", "definitions", "resources", "partitions", "progress", "dbt_project", "checks.assets"}
ORCHESTRATION_LIBRARIES = {"dagster", "dagster_dbt", "dagster_webserver"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _in(module: str, names: set[str]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in names)


def _module_level_imports(path: Path) -> list[str]:
    """Absolute module names imported at module level (not inside a function, so not lazy), `TYPE_CHECKING`
    blocks left out because they never run."""
    imported: list[str] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for child in ast.walk(node) if not isinstance(node, ast.FunctionDef | ast.ClassDef) else ():
            if isinstance(child, ast.Import):
                imported += [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                imported.append(child.module)
                if child.module == "dagster_project":
                    imported += [f"dagster_project.{alias.name}" for alias in child.names]
    return imported


def _project_imports(path: Path) -> set[str]:
    return {
        name.removeprefix("dagster_project.")
        for name in _module_level_imports(path)
        if name.startswith("dagster_project.")
    }


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py")) if _module_name(path)}


def test_the_package_is_read() -> None:
    assert {"cli", "db", "publish", "ingest.load", "pay.common", "assets.publication"} <= set(MODULES)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _in(m, FOUNDATION)))
def test_foundation_modules_import_only_the_foundation(module: str) -> None:
    outside = {name for name in _project_imports(MODULES[module]) if not _in(name, FOUNDATION)}
    assert not outside, f"{module} imports {sorted(outside)}: the foundation must not depend on other layers"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not _in(m, DAGSTER_LAYER) and m != "cli"))
def test_plain_python_modules_import_no_orchestration(module: str) -> None:
    imports = _module_level_imports(MODULES[module])
    orchestration = {n for n in imports if n.split(".")[0] in ORCHESTRATION_LIBRARIES}
    project = [n.removeprefix("dagster_project.") for n in imports if n.startswith("dagster_project.")]
    dagster_layer = {f"dagster_project.{n}" for n in project if _in(n, DAGSTER_LAYER)}
    assert not orchestration | dagster_layer, (
        f"{module} imports {sorted(orchestration | dagster_layer)} at module level: only the Dagster layer may "
        "(import it inside the function that needs it, as gx_suites.asset_check_result does)"
    )


def test_the_generator_is_reached_only_from_the_cli() -> None:
    users = sorted(m for m, path in MODULES.items() if not _in(m, {"generator"}) and any(
        _in(name, {"generator"}) for name in _project_imports(path)
    ))
    assert users == [], f"{users} import the generator: synthetic data must stay out of the product's code paths"


def test_the_cli_imports_only_settings_at_start() -> None:
    """`spm --help` and every argument error answer without loading Dagster, dbt or GX: commands import lazily."""
    assert _project_imports(MODULES["cli"]) == {"settings"}
    third_party = {n.split(".")[0] for n in _module_level_imports(MODULES["cli"]) if not n.startswith("dagster_")}
    assert not third_party & {"dagster", "duckdb", "pandas", "great_expectations", "psycopg"}


def test_every_module_that_opens_the_warehouse_does_it_through_db_connect() -> None:
    """One connection helper (db.connect): `duckdb.connect(` may appear only there, and for in-memory scratch
    databases (`duckdb.connect(":memory:")`) that never touch the warehouse file."""
    offenders = []
    for module, path in MODULES.items():
        if module == "db" or _in(module, {"generator"}):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "duckdb.connect(" in line and 'duckdb.connect(":memory:")' not in line:
                offenders.append(f"{module}:{number}: {line.strip()}")
    assert offenders == []


#: The dashboard module that reads figures (the others draw: render.py formats, charts.py scales SVG coordinates).
DASHBOARD_READER = "dashboard.data"
#: Functions of dashboard/data.py allowed arithmetic, each with why: calendar arithmetic on the month shown, not on
#: a figure.
CALENDAR_ARITHMETIC = {"_quarter_of", "_shift"}
PY_AGGREGATES = {"sum", "len", "min", "max", "round"}
SQL_AGGREGATE = re.compile(r"\b(sum|avg|count|median|min|max|bool_and|bool_or|stddev|quantile\w*)\s*\(", re.I)
SQL_ARITHMETIC = re.compile(r"[\w)]\s*[*/+]\s*[\w(]")


def _kpi_arithmetic(function: ast.FunctionDef) -> list[str]:
    """What in one function computes on values: a Python `+ - * / // % **` (unary minus is not arithmetic), a call
    of sum/len/min/max/round, and in its string constants but the docstring (the SQL it sends) an aggregate or a `* / +`
    between two terms (`select *` and `alias.*` are a column list, not a product)."""
    found = []
    docstring = ast.get_docstring(function, clean=False)
    for node in ast.walk(function):
        arithmetic = isinstance(node, ast.BinOp) and not isinstance(node.op, ast.BitOr)  # `|` joins types and sets
        aggregate = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in PY_AGGREGATES
        if arithmetic or aggregate:
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value != docstring:
            sql = re.sub(r"\bselect\s+\*|\w+\.\*", "select", node.value, flags=re.I)
            if SQL_AGGREGATE.search(sql) or SQL_ARITHMETIC.search(sql):
                found.append(f"line {node.lineno}: SQL {' '.join(node.value.split())[:80]}")
    return found


def test_the_dashboard_computes_no_figure() -> None:
    """docs/architecture.md, The dashboard: every figure is a column of a mart and dashboard/ only selects, arranges
    and draws. Checked on dashboard/data.py, the module that reads the marts (render.py formats a value for display
    and charts.py scales SVG coordinates: that is drawing). In data.py no function may do arithmetic in Python or
    send SQL with an aggregate or an arithmetic operator: a query is a select of mart columns with where and order
    by (a window row_number that cuts a list is arranging). Calendar arithmetic on the month is named."""
    tree = ast.parse(MODULES[DASHBOARD_READER].read_text(encoding="utf-8"))
    computing = {node.name: _kpi_arithmetic(node) for node in ast.walk(tree)
                 if isinstance(node, ast.FunctionDef) and _kpi_arithmetic(node)}
    unexpected = {name: lines for name, lines in computing.items() if name not in CALENDAR_ARITHMETIC}
    assert unexpected == {}, f"dashboard/data.py computes figures: move them into a mart column ({unexpected})"
    assert set(computing) == CALENDAR_ARITHMETIC, "a calendar helper that computes nothing any more is taken off"


def test_the_cli_holds_no_orchestration() -> None:
    """`cli.py` parses arguments, launches jobs and prints (docs/architecture.md, "One run"). What a run does is in
    the `build_warehouse` job (assets/run.py), so the schedule and `make dev` do the same. Checked on the names
    cli.py uses anywhere, lazy imports included:

    - no dbt and no dagster-dbt (the dbt step and its target-folder clean-up are the dbt asset's), no `shutil`
      (nothing of a run is removed by the CLI);
    - none of run_state's writers (the record is written by the job's last asset, deleted by its first; a stopped
      run goes through run_gate) and not the dashboard renderer; `write_dashboard` only in `cmd_dashboard`, the
      `spm dashboard` command itself (a run's dashboard is the job's `dashboard/monthly` asset);
    - the Dagster instance is opened in one function, `execute_job`, which launches every job on the persistent
      instance;
    - `publish_marts` is not called: `spm serve-bi` launches the `serve_bi` or `publish_bi` job, whose
      `bi/postgres_marts` asset publishes (so the publication is a run `make dev` lists).
    """
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"dbt", "dagster_dbt", "shutil"}, sorted(imported & {"dbt", "dagster_dbt", "shutil"})

    def users(name: str) -> set[str]:
        """The top-level functions of cli.py that mention `name` (as a name, attribute or import)."""
        found = set()
        for function in tree.body:
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                mentioned = (
                    (isinstance(node, ast.Name) and node.id == name)
                    or (isinstance(node, ast.Attribute) and node.attr == name)
                    or (isinstance(node, ast.ImportFrom) and any(a.name == name for a in node.names))
                )
                if mentioned:
                    found.add(function.name)
        return found

    writers = ("write_record", "forget", "refresh_landing_stats", "write_atomically", "write_dashboard_pages",
               "run_state", "rmtree", "ephemeral")
    assert {name: sorted(users(name)) for name in writers if users(name)} == {}
    assert users("write_dashboard") == {"cmd_dashboard"}
    assert users("open_instance") == {"execute_job"}
    assert users("DagsterInstance") == set()
    assert users("publish_marts") == set()  # serve-bi's publication is the `bi/postgres_marts` asset of its job
