"""The one way every module opens the warehouse (dagster_project/db.py), on real DuckDB files and processes.

DuckDB admits one writer process and any open connection from another process blocks it (docs/pitfalls.md 7):
these tests hold a real lock from a child process, so a helper that stopped retrying, stopped closing or started
creating missing files would fail here rather than in a nightly build.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project import db

pytestmark = pytest.mark.unit

HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with db.connect(path, read_only=False) as con:
        con.execute("create schema marts")
        con.execute('create table marts."Odd ""Name""" as select 1 as x')
    return path


def _hold_write_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)], stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "locked"
    return child


def test_a_missing_warehouse_is_a_clear_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nothing" / "w.duckdb"
    with pytest.raises(FileNotFoundError, match=r"does not exist: build it first with `spm run`"), db.connect(missing):
        pass
    assert not missing.parent.exists()


def test_a_writer_creates_the_file_and_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "w.duckdb"
    with db.connect(path, read_only=False) as con:
        con.execute("create table t as select 1 as x")
    assert path.is_file()


def test_read_only_refuses_writes_and_closes_on_exit(tmp_path: Path) -> None:
    path = _warehouse(tmp_path)
    with db.connect(path) as con:
        with pytest.raises(duckdb.InvalidInputException, match="read-only"):
            con.execute("create table marts.t as select 1")
        assert db.tables_in(con, "marts") == {'marts.Odd "Name"'}
    with pytest.raises(duckdb.ConnectionException):
        con.execute("select 1")
    # closed means another process can take the write lock at once
    subprocess.run([sys.executable, "-c", HOLD_LOCK, str(path), "0"], check=True, capture_output=True, timeout=60)


def test_the_quoted_name_reads_the_odd_table(tmp_path: Path) -> None:
    path = _warehouse(tmp_path)
    assert db.ident('Odd "Name"') == '"Odd ""Name"""'
    table = db.qualified('marts.Odd "Name"')
    with db.connect(path) as con:
        assert con.execute(f"select x from {table}").fetchone() == (1,)
    with pytest.raises(ValueError, match="not a table name"):
        db.qualified("marts.")


def test_a_held_lock_fails_at_once_without_retries(tmp_path: Path) -> None:
    path = _warehouse(tmp_path)
    child = _hold_write_lock(path, 30)
    try:
        with pytest.raises(duckdb.IOException, match="lock"), db.connect(path):
            pass
    finally:
        child.kill()
        child.wait()


def test_lock_retries_wait_for_the_other_process_to_let_go(tmp_path: Path) -> None:
    path = _warehouse(tmp_path)
    child = _hold_write_lock(path, 1.5)
    try:
        with db.connect(path, lock_attempts=20) as con:
            assert db.tables_in(con) == {'marts.Odd "Name"'}
    finally:
        child.wait(timeout=60)


def test_content_digests_ignore_row_order_and_skipped_columns_but_not_values(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        con.execute("create schema a; create schema b; create schema c")
        con.execute("create table a.t as select * from (values (1, 'x', 10), (2, 'y', 20)) v(id, name, loaded_at)")
        con.execute("create table b.t as select * from (values (2, 'y', 99), (1, 'x', 98)) v(id, name, loaded_at)")
        con.execute("create table c.t as select * from (values (1, 'x', 10), (2, 'z', 20)) v(id, name, loaded_at)")
        con.execute("create view a.v as select id from a.t")
        a, b, c = (db.content_digests(con, [s], skip_columns={"loaded_at"}) for s in "abc")
        assert set(a) == {"a.t", "a.v"}
        assert a["a.t"] == b["b.t"]  # same rows in another order, other load times
        assert a["a.t"] != c["c.t"]  # one value differs
        assert a["a.t"].startswith("2:")
        assert db.content_digests(con, ["a"])["a.t"] != db.content_digests(con, ["b"])["b.t"]  # loaded_at counted
    finally:
        con.close()
