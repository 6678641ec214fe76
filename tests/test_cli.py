"""Every command answers --help, and bad input gets a clear message instead of a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_project import cli
from dagster_project.assets.dbt import clean_run_targets, dbt_build_args, failed_nodes

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
    assert dbt_build_args() == ["build", "--exclude-resource-type", "unit_test", "--log-level-file", "none"]
    assert dbt_build_args("tag:pay", {"b": "2", "a": "1"}) == [
        "build", "--exclude-resource-type", "unit_test", "--log-level-file", "none",
        "--select", "tag:pay", "--vars", '{"a": "1", "b": "2"}',
    ]


def test_failed_nodes_quote_dbt_messages() -> None:
    results = {"results": [
        {"unique_id": "test.x.not_null_a", "status": "fail", "message": "Got 3 results,\n configured to fail"},
        {"unique_id": "model.x.b", "status": "success", "message": None},
    ]}
    assert failed_nodes(results) == ["test.x.not_null_a: fail: Got 3 results, configured to fail"]


def test_the_jobs_and_ops_the_cli_runs_are_the_ones_the_definitions_hold() -> None:
    """The CLI passes job handles and the publish op of each publication (no names as strings): each must resolve
    in the one Definitions, and the publish op must be a node of its publish job, or `--publish --reason` would
    configure an op that does not run."""
    from dagster_project import jobs
    from dagster_project.assets.publication import evaluation, pay
    from dagster_project.definitions import defs

    for job in (jobs.build_warehouse_job, jobs.ingest_job, jobs.serve_bi_job, jobs.publish_bi_job):
        assert defs.resolve_job_def(job.name).name == job.name
    for publication, dry_run, publish_job in (
        (evaluation, jobs.quarterly_evaluation_job, jobs.publish_quarterly_evaluation_job),
        (pay, jobs.pay_statements_job, jobs.publish_pay_statements_job),
    ):
        assert publication.publish_op in defs.resolve_job_def(publish_job.name).graph.node_dict
        assert publication.publish_op not in defs.resolve_job_def(dry_run.name).graph.node_dict
    assert (evaluation.publish_op, pay.publish_op) == ("publish__quarterly_evaluation", "publish__pay_statement")


def test_a_run_removes_only_its_own_dbt_target_folders(tmp_path: Path) -> None:
    """A second `spm` command from the same clone, still building, keeps its folder; this run's timings are kept."""
    mine = tmp_path / "warehouse_dbt_assets-d858c68-1fe9cae"
    other = tmp_path / "warehouse_dbt_assets-0b7e2a1-77c1f00"
    for folder, text in ((mine, '{"mine": 1}'), (other, '{"other": 1}')):
        (folder / "run").mkdir(parents=True)
        (folder / "run_results.json").write_text(text)
    clean_run_targets("d858c68b-5f0e-4a8c-9d1e-3f2b6a7c8d90", tmp_path)
    assert not mine.exists()
    assert (other / "run_results.json").read_text() == '{"other": 1}'
    assert (tmp_path / "run_results.json").read_text() == '{"mine": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other.name, "run_results.json"])  # no temporary


def test_the_time_line_sums_the_steps_by_phase_and_names_the_rest() -> None:
    from dagster_project.summary import time_line

    steps = {"run__nothing_new": 0.3, "raw__crm__task": 4.0, "raw__finance__invoice": 1.5,
             "warehouse_dbt_assets": 60.25, "marts__mart_rep_monthly_kpis_gx_mart_rep_monthly_kpis": 0.5,
             "dashboard__monthly": 9.0, "dashboard__notify": 0.05, "run__record": 0.1}
    assert time_line(80.0, steps) == (
        "  time         80.0 s: ingest 5.5 s, dbt 60.2 s, dashboard 9.1 s, quality gates 0.5 s, "
        "the rest 4.7 s (start-up, nothing-new check, record)"
    )
