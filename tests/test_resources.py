"""The dbt resource's start-up shortcuts (dagster_project/resources.py) keep meaning what they mean."""

from __future__ import annotations

import importlib.metadata
import subprocess

import pytest
from dagster_dbt import DbtCliResource

from dagster_project.dbt_project import DBT_EXECUTABLE, dbt_project
from dagster_project.resources import ProjectDbtCliResource, build_resources

pytestmark = pytest.mark.unit


def test_the_overridden_hooks_exist_in_dagster_dbt() -> None:
    """If an upgrade renames them, the overrides stop applying and every run is ≈4 s slower without a word."""
    assert isinstance(DbtCliResource.__dict__.get("_cli_version"), type(ProjectDbtCliResource._cli_version))
    assert callable(DbtCliResource.__dict__.get("_initialize_dbt_core_adapter"))


def test_the_version_without_a_subprocess_is_what_dbt_reports() -> None:
    resource = ProjectDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
    reported = subprocess.run([DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True).stdout
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")
    assert f"installed: {resource._cli_version}" in reported
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_runs_use_the_project_resource() -> None:
    assert type(build_resources()["dbt"]) is ProjectDbtCliResource
