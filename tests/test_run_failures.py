"""What `spm run`/`spm ingest` say when they fail: the failed file and its reason, never "the marts are in ..."."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SPM = Path(sys.executable).parent / "spm"
TRANSACTIONAL = ("crm/opportunity", "crm/task", "finance/invoice", "finance/payment")


def _spm(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPM_")}
    return subprocess.run([str(SPM), *args], env=env, capture_output=True, text=True, check=False)


def _raw_counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw' and not starts_with(table_name, '_')"
        ).fetchall()]
        return {t: con.execute(f'select count(*) from raw."{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def test_an_unreadable_file_is_named_with_its_reason_and_earlier_loads_stay(landing: Path, tmp_path: Path) -> None:
    copy = tmp_path / "landing"
    shutil.copytree(landing, copy)
    warehouse = tmp_path / "warehouse.duckdb"
    first = _spm("ingest", "--landing", str(copy), "--warehouse", str(warehouse))
    assert first.returncode == 0, first.stderr[-2000:]
    # ingest builds no marts, so its last line says where the rows went, not where the marts are
    assert "The landing rows are in schema `raw`" in first.stdout and "The marts are in" not in first.stdout
    before = _raw_counts(warehouse)
    assert before["crm__account"] > 0

    header = (copy / "crm" / "account").glob("*.csv").__next__().read_bytes().splitlines()[0]
    (copy / "crm" / "account" / "account_29990101.csv").write_bytes(header + b"\n0015g\xff,broken\n")
    (copy / "hr" / "training" / "training_29990101.csv").write_bytes(b"")
    second = _spm("ingest", "--landing", str(copy), "--warehouse", str(warehouse))

    assert second.returncode == 1
    last_lines = (second.stdout + second.stderr).strip().splitlines()[-4:]
    assert any(
        line.strip().startswith("crm/account/account_29990101.csv: not valid UTF-8 (byte 0xff") for line in last_lines
    ), last_lines
    assert any(line.strip().startswith("hr/training/training_29990101.csv: empty file") for line in last_lines), (
        last_lines
    )
    assert "DagsterExecutionStepExecutionError" not in second.stderr
    assert "The marts are in" not in second.stdout + second.stderr
    assert _raw_counts(warehouse) == before


def test_a_run_without_transactional_rows_stops_before_dbt_with_one_sentence(landing: Path, tmp_path: Path) -> None:
    copy = tmp_path / "landing"
    shutil.copytree(landing, copy)
    for folder in TRANSACTIONAL:
        for f in (copy / folder).glob("*.csv"):
            f.write_text(f.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")

    result = _spm("run", "--landing", str(copy), "--warehouse", str(tmp_path / "warehouse.duckdb"))

    assert result.returncode == 1
    out = result.stdout + result.stderr
    sentence = next(line for line in out.splitlines() if "no transactional rows loaded" in line)
    for extract in ("crm__opportunity", "crm__task", "finance__invoice", "finance__payment"):
        assert f"{extract} empty" in sentence
    assert "dbt: building" not in out  # stopped before dbt, not after a failing GX gate
    assert "The marts are in" not in out
