"""Issue #23, rows 7, 8, 14 and 15: commands refuse what would destroy or leak - `--force` removes only what
`spm generate` wrote, a wrong `--out` or a warehouse that is not DuckDB is one line, never a traceback, and no
message or help text shows a password."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from dagster_project import cli, db
from dagster_project.bi.redact import has_password, redact, scrub

SECRET = "s3cr%74@pw"  # %74 is t: libpq may quote it decoded


@pytest.fixture
def exported_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SPM_WAREHOUSE", "SPM_LANDING_DIR", "SPM_TIMEZONE"):  # the CLI exports its settings
        monkeypatch.setenv(name, os.environ.get(name, ""))


@pytest.mark.unit
@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://spm:hunter2@db.example.com:5432/spm", "postgresql://spm:***@db.example.com:5432/spm"),
    ("spm:hunter2@db.example.com/spm", "spm:***@db.example.com/spm"),  # no scheme
    ("postgresql://spm:hun%zzter2@db/spm", "postgresql://spm:***@db/spm"),  # a bad % escape
    ("postgresql://spm:hun@ter2@db/spm", "postgresql://spm:***@db/spm"),  # an unescaped @ in the password
    ("host=db user=spm password=hunter2 dbname=spm", "host=db user=spm password=*** dbname=spm"),
    ("postgresql://spm@db/spm", "postgresql://spm@db/spm"),
])
def test_row_07_every_url_shape_is_redacted_without_parsing_it(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert "hunter2" not in redact(url) and "ter2" not in redact(url)


@pytest.mark.unit
@pytest.mark.parametrize("url", [
    "spm:hunter2@127.0.0.1:1/spm",
    "postgresql://spm:hun%zzter2@127.0.0.1:1/spm",
    "postgresql://spm:hun@ter2@127.0.0.1:1/spm",
])
def test_row_07_a_malformed_url_fails_with_a_scrubbed_one_line_error(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], exported_settings: None
) -> None:
    with pytest.raises(psycopg.Error) as raw:  # libpq itself quotes the password (or part of it) in its error
        psycopg.connect(url, connect_timeout=1)
    assert "ter2" in str(raw.value)
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    status = cli.main(["serve-bi", "--no-build", "--url", url, "--warehouse", str(warehouse)])
    err = capsys.readouterr().err
    assert status == 1
    assert "hunter2" not in err and "ter2" not in err and "Traceback" not in err, err
    assert "nothing published" in err


@pytest.mark.unit
def test_row_07_scrub_hides_the_password_in_any_message() -> None:
    url = f"postgresql://spm:{SECRET}@db/spm"
    message = f'missing "=" after "{url}"; password "s3crt@pw" and s3cr%74@pw'
    assert "s3cr" not in scrub(message, url)
    assert scrub(message, url).startswith('missing "=" after "postgresql://spm:***@db/spm"')
    assert has_password(url) and not has_password("postgresql://spm@db/spm")


@pytest.mark.unit
def test_row_08_help_shows_no_password_and_a_password_on_the_command_line_is_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], exported_settings: None
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve-bi", "--help"])
    out = capsys.readouterr().out
    assert "PASSWORD" not in out.replace("PGPASSWORD", "") and "PGPASSWORD" in out and "~/.pgpass" in out
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert ":PASSWORD@" not in capsys.readouterr().out
    missing = tmp_path / "none.duckdb"
    cli.main(["serve-bi", "--no-build", "--url", "postgresql://p:hunter2@127.0.0.1:1/x", "--warehouse", str(missing)])
    err = capsys.readouterr().err
    assert "the password in --url is visible to every local user" in err and "hunter2" not in err


@pytest.mark.unit
def test_row_14_force_removes_only_what_generate_wrote_and_never_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "landing"
    out.mkdir()
    (out / "my_notes.txt").write_text("keep me")
    assert cli.main(["generate", "--scale", "0.005", "--out", str(out)]) == 2  # not empty, no --force
    assert cli.main(["generate", "--scale", "0.005", "--out", str(out), "--force"]) == 2  # no marker: refused
    assert (out / "my_notes.txt").read_text() == "keep me"
    fresh = tmp_path / "fresh"
    assert cli.main(["generate", "--scale", "0.005", "--out", str(fresh)]) == 0
    written = (fresh / cli.GENERATED_MARKER).read_text().splitlines()
    assert written and all((fresh / name).is_file() for name in written)
    (fresh / "my_notes.txt").write_text("keep me")
    (fresh / "crm" / "mine.csv").write_text("mine")
    assert cli.main(["generate", "--scale", "0.005", "--seed", "3", "--out", str(fresh), "--force"]) == 0
    assert (fresh / "my_notes.txt").read_text() == "keep me" and (fresh / "crm" / "mine.csv").read_text() == "mine"
    assert sorted((fresh / cli.GENERATED_MARKER).read_text().splitlines()) == sorted(written)
    monkeypatch.chdir(fresh)
    assert cli.main(["generate", "--scale", "0.005", "--out", ".", "--force"]) == 2
    assert "it is the working folder" in capsys.readouterr().err
    assert (fresh / "my_notes.txt").exists() and all((fresh / name).is_file() for name in written)


@pytest.mark.unit
def test_row_15_an_existing_file_as_out_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], exported_settings: None
) -> None:
    target = tmp_path / "landing.csv"
    target.write_text("a,b\n")
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    for argv in (["generate"], ["export-statements", "--month", "2025-11", "--warehouse", str(warehouse)],
                 ["dashboard", "--month", "2025-11", "--warehouse", str(warehouse)]):
        assert cli.main([*argv, "--out", str(target)]) == 2, argv
        err = capsys.readouterr().err
        assert f"--out {target} is a file, not a folder" in err and "Traceback" not in err
    assert target.read_text() == "a,b\n"


@pytest.mark.unit
def test_row_06_the_dbas_set_up_is_printed_by_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from dagster_project.bi.access import setup_sql

    assert cli.main(["serve-bi", "--print-setup-sql"]) == 0
    printed = capsys.readouterr().out
    assert printed == setup_sql("spm_publisher")
    assert "NOCREATEROLE" in printed and 'CREATE SCHEMA IF NOT EXISTS "marts" AUTHORIZATION "spm_publisher"' in printed
    assert 'DROP FUNCTION IF EXISTS "spm_security".employee_id_of(name) CASCADE' in printed


def _not_duckdb(tmp_path: Path) -> dict[str, Path]:
    csv_file = tmp_path / "w.csv"
    csv_file.write_text("a,b\n1,2\n")
    sqlite_file = tmp_path / "w.sqlite"
    with sqlite3.connect(sqlite_file) as con:
        con.execute("create table t (x)")
    empty = tmp_path / "empty.duckdb"
    empty.write_bytes(b"")
    folder = tmp_path / "folder.duckdb"
    folder.mkdir()
    return {"not a DuckDB database": csv_file, "a SQLite database": sqlite_file, "an empty file": empty,
            "a folder": folder}


@pytest.mark.unit
def test_row_15_a_warehouse_that_is_not_duckdb_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], exported_settings: None
) -> None:
    for kind, path in _not_duckdb(tmp_path).items():
        with pytest.raises(db.NotAWarehouseError, match=f"is {kind}"), db.connect(path):
            pass
        for argv in (["explain-pay", "--employee", "E1", "--month", "2025-11"], ["dashboard", "--month", "2025-11"],
                     ["serve-bi", "--no-build", "--url", "postgresql://x@127.0.0.1:1/x"]):
            with pytest.raises(SystemExit) as exit_info:
                cli.main([*argv, "--warehouse", str(path)])
            message = str(exit_info.value.code)
            assert message.startswith(f"spm: warehouse {path} is {kind}") and "\n" not in message, message
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.unit
def test_row_15_duckdb_never_autoloads_or_installs_an_extension(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with db.connect(warehouse, read_only=False) as con:
        settings = con.execute("select current_setting('autoload_known_extensions'),"
                               " current_setting('autoinstall_known_extensions')").fetchone()
        with pytest.raises(duckdb.Error, match=r"(?i)extension"):  # would have fetched the sqlite extension
            con.execute(f"select * from sqlite_scan('{tmp_path / 'x.sqlite'}', 't')")
    assert settings == (False, False)
    with db.memory() as con:
        assert con.execute("select current_setting('autoinstall_known_extensions')").fetchone() == (False,)
    profiles = (Path(__file__).parents[2] / "dbt" / "profiles.yml").read_text()
    assert "autoload_known_extensions: false" in profiles and "autoinstall_known_extensions: false" in profiles
