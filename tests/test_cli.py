"""Every command answers --help, and bad input gets a clear message instead of a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_project import cli
from dagster_project.assets.dbt import dbt_build_args, failed_nodes

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("command", [[], ["generate"], ["run"], ["ingest"], ["evaluate"]])
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: spm" in capsys.readouterr().out


def test_run_without_extracts_says_what_to_do(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    status = cli.main(["run", "--landing", str(tmp_path / "nothing"), "--warehouse", str(tmp_path / "w.duckdb")])
    assert status == 2


def test_evaluate_rejects_a_malformed_quarter(tmp_path: Path) -> None:
    assert cli.main(["evaluate", "--quarter", "2025-3", "--no-build", "--warehouse", str(tmp_path / "w")]) == 2


def test_dbt_build_arguments() -> None:
    assert dbt_build_args() == ["build", "--exclude-resource-type", "unit_test"]
    assert dbt_build_args("tag:pay", {"b": "2", "a": "1"}) == [
        "build", "--exclude-resource-type", "unit_test", "--select", "tag:pay", "--vars", '{"a": "1", "b": "2"}'
    ]


def test_failed_nodes_quote_dbt_messages() -> None:
    results = {"results": [
        {"unique_id": "test.x.not_null_a", "status": "fail", "message": "Got 3 results,\n configured to fail"},
        {"unique_id": "model.x.b", "status": "success", "message": None},
    ]}
    assert failed_nodes(results) == ["test.x.not_null_a: fail: Got 3 results, configured to fail"]
