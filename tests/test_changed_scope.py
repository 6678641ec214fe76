"""A monthly run's tests on the month-incremental large facts check what the run changed; a full build, or a test
run on its own, checks every row (issue 29; dbt/macros/incremental.sql: record_build_scope, get_where_subquery).

These run dbt's own compiled test SQL against a copy of the session warehouse, with the scope row a build's
pre-hook would have written for that dbt invocation, and a planted duplicate or null on either side of the
watermark: each assertion fails if the scope lets a changed row's fault through or widens to the whole table.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tests.conftest import BuiltWarehouse
from tests.test_pipeline import run_dbt

MODEL = "staging.stg_crm__task"


def compiled_tests(warehouse: Path, scratch: Path) -> tuple[str, str, str]:
    """(invocation id, unique test SQL, not_null test SQL) of stg_crm__task.task_id, compiled by dbt."""
    result = run_dbt(warehouse, scratch, "compile", "--select", "stg_crm__task,test_type:data", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    target = scratch / "t"  # run_dbt's target folder
    compiled = {path.name: path.read_text() for path in target.rglob("*.sql") if "stg_crm__task_task_id" in path.name}
    unique = next(sql for name, sql in compiled.items() if name.startswith("unique_"))
    not_null = next(sql for name, sql in compiled.items() if name.startswith("not_null_"))
    invocation = re.search(r"invocation_id = '([0-9a-f-]+)'", unique)
    assert invocation, unique
    assert f"invocation_id = '{invocation.group(1)}'" in not_null
    return invocation.group(1), unique, not_null


@pytest.fixture(scope="module")
def planted(built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A warehouse copy with task A duplicated by a row loaded after the watermark (a changed record colliding
    with an old row), task B duplicated below it, and two null-keyed rows, one on each side."""
    folder = tmp_path_factory.mktemp("changed_scope")
    warehouse = built_warehouse.copy_to(folder).warehouse
    invocation, unique, not_null = compiled_tests(warehouse, folder)
    con = duckdb.connect(str(warehouse))
    watermark = con.execute(f"select max(loaded_at) from {MODEL}").fetchone()[0]
    (a, b) = [r[0] for r in con.execute(f"select task_id from {MODEL} order by task_id limit 2").fetchall()]
    con.execute(f"""
        insert into {MODEL} select * replace (null as task_id, loaded_at + interval 1 day as loaded_at)
            from {MODEL} where task_id = ?;
        insert into {MODEL} select * replace (null as task_id) from {MODEL} where task_id = ?;
        insert into {MODEL} select * replace (loaded_at + interval 1 day as loaded_at) from {MODEL} where task_id = ?;
        insert into {MODEL} select * from {MODEL} where task_id = ?;
    """.replace("?", "'{}'").format(a, b, a, b))
    yield con, invocation, watermark, unique, not_null, a, b
    con.close()


def _scope(con: duckdb.DuckDBPyConnection, invocation: str, changed_since) -> None:  # type: ignore[no-untyped-def]
    con.execute("delete from build_state.incremental_scopes")
    if changed_since != "absent":
        con.execute("insert into build_state.incremental_scopes values (?, ?, ?, now())",
                    [MODEL, invocation, changed_since])


def test_an_incremental_build_tests_every_row_of_each_record_it_changed_and_only_those(planted) -> None:  # type: ignore[no-untyped-def]
    con, invocation, watermark, unique, not_null, a, _b = planted
    _scope(con, invocation, watermark)
    assert [r[0] for r in con.execute(unique).fetchall()] == [a]
    assert len(con.execute(not_null).fetchall()) == 1


@pytest.mark.parametrize("changed_since", [None, "absent"], ids=["built whole", "not built by this invocation"])
def test_a_full_build_or_a_test_run_alone_tests_every_row(planted, changed_since) -> None:  # type: ignore[no-untyped-def]
    con, invocation, _watermark, unique, not_null, a, b = planted
    _scope(con, invocation, changed_since)
    assert sorted(r[0] for r in con.execute(unique).fetchall()) == sorted([a, b])
    assert len(con.execute(not_null).fetchall()) == 2


def test_every_build_of_the_large_facts_records_its_scope(built_warehouse: BuiltWarehouse) -> None:
    """The session build is a first build: each large fact recorded a whole-table scope (null) for its run."""
    con = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    try:
        rows = con.execute(
            "select model, count(*), count(changed_since) from build_state.incremental_scopes group by model"
        ).fetchall()
    finally:
        con.close()
    assert sorted(rows) == [
        (f"staging.{m}", 1, 0)
        for m in ("stg_crm__event", "stg_crm__opportunity_history", "stg_crm__task", "stg_finance__invoice",
                  "stg_finance__payment")
    ]
