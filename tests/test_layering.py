"""The dbt layers point only down, and every read of a landed or published table goes through source().

Read from the dbt manifest of a fresh `dbt parse` (into its own target folder, so a dbt run elsewhere cannot race it):
- staging models read only sources and seeds;
- intermediate models read staging, intermediate and seeds, never a mart;
- no model names a `raw.` or `publish.` table in its SQL: those are dbt sources (models/staging/_sources.yml,
  models/staging/publish/_publish__sources.yml), so lineage and the Dagster asset graph see every read;
- on a contracted table, not-null, uniqueness, ranges and accepted values are enforced contract constraints, not
  data tests (DuckDB and PostgreSQL enforce them while writing the table, so a bad row fails the model and the last
  good table stays; each data test would be one more dbt node per build);
- the publication sources carry the asset key of the Dagster publish asset that writes them, so the graph draws
  draft -> candidate -> publish -> the models that read publications, without a cycle.

The checks are pure functions over the manifest, proven on a deliberately broken manifest as well as the real one.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from typing import Any

import pytest

from dagster_project.dbt_project import DBT_EXECUTABLE
from dagster_project.settings import DBT_PROJECT_DIR

# A schema-qualified name of a landed or published table: `raw.crm__account`, `publish . pay_publications`.
_DIRECT_READ = re.compile(r"\b(raw|publish)\s*\.\s*\"?\w+\"?", re.IGNORECASE)
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_SQL_LINE_COMMENT = re.compile(r"--[^\n]*")
_SQL_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


@pytest.fixture(scope="session")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The manifest of a `dbt parse` of the project as it is now (not a possibly stale target/manifest.json)."""
    target = tmp_path_factory.mktemp("dbt_target")
    result = subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"dbt parse failed:\n{result.stdout}{result.stderr}"
    return json.loads((target / "manifest.json").read_text())


def layer(node: Mapping[str, Any]) -> str:
    """The layer of a node: `source`, `seed`, or the model's first folder under models/ (staging, intermediate,
    marts)."""
    if node["resource_type"] in ("source", "seed"):
        return node["resource_type"]
    fqn = node["fqn"]
    return fqn[1] if len(fqn) > 2 else "models"


# Which layers each model layer may read (ref or source).
ALLOWED_READS = {
    "staging": {"source", "seed"},
    "intermediate": {"staging", "intermediate", "seed"},
    "marts": {"staging", "intermediate", "marts", "seed"},
}


def layering_violations(manifest: Mapping[str, Any]) -> list[str]:
    """`model -> dependency` for every read a model's layer may not make (ALLOWED_READS)."""
    nodes = {**manifest["nodes"], **manifest["sources"]}
    problems = []
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "model":
            continue
        allowed = ALLOWED_READS.get(layer(node))
        assert allowed is not None, f"{unique_id} is in no known layer: {node['fqn']}"
        for dependency in node["depends_on"]["nodes"]:
            dep_layer = layer(nodes[dependency])
            if dep_layer not in allowed:
                problems.append(f"{node['name']} ({layer(node)}) reads {dependency} ({dep_layer})")
    return problems


def direct_table_reads(manifest: Mapping[str, Any]) -> list[str]:
    """`model: text` for every `raw.` / `publish.` table a model's SQL names itself instead of through source()."""
    problems = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        code = _JINJA_COMMENT.sub("", node["raw_code"])
        code = _SQL_BLOCK_COMMENT.sub("", _SQL_LINE_COMMENT.sub("", code))
        problems += [f"{node['name']}: {m.group(0)}" for m in _DIRECT_READ.finditer(code)]
    return sorted(problems)


def _model(name: str, folder: str, depends_on: list[str], raw_code: str = "select 1") -> dict[str, Any]:
    return {
        "resource_type": "model",
        "name": name,
        "fqn": ["sales_performance", folder, name],
        "depends_on": {"nodes": depends_on},
        "raw_code": raw_code,
    }


# Generic tests a table's enforced contract can replace (see constrainable_tests_on_contracts).
CONSTRAINABLE_TESTS = {"not_null", "unique", "accepted_range", "accepted_values"}


def constrainable_tests_on_contracts(manifest: Mapping[str, Any]) -> list[str]:
    """Data tests of kind CONSTRAINABLE_TESTS, at error severity and on all rows, attached to a table or incremental
    model whose contract is enforced: each should be a `constraints:` entry of the model or column instead. Views
    keep their tests (constraints are not applied to views), and so do warn-only or filtered (`where`) tests, tests
    given their own name (an audit check meant to be seen by that name) and keys a constraint cannot state
    (`coalesce(...)`: a unique constraint counts nulls as distinct)."""
    problems = []
    for _, node in sorted(manifest["nodes"].items()):
        kind = (node.get("test_metadata") or {}).get("name")
        if node["resource_type"] != "test" or kind not in CONSTRAINABLE_TESTS:
            continue
        config = node.get("config", {})
        if str(config.get("severity", "ERROR")).upper() != "ERROR" or config.get("where"):
            continue
        column = node.get("column_name") or node["test_metadata"].get("kwargs", {}).get("column_name") or ""
        if not node["name"].startswith(f"{kind}_") or "coalesce(" in column:
            continue
        model = manifest["nodes"].get(node.get("attached_node") or "", {})
        model_config = model.get("config", {})
        if model_config.get("contract", {}).get("enforced") and model_config.get("materialized") in (
            "table", "incremental"
        ):
            problems.append(f"{model['name']}: {kind} {column}".strip())
    return problems


BROKEN_MANIFEST = {
    "nodes": {
        "model.p.stg_a": _model("stg_a", "staging", ["source.p.raw.a", "model.p.int_b"]),
        "model.p.int_b": _model("int_b", "intermediate", ["model.p.mart_c"]),
        "model.p.mart_c": _model(
            "mart_c", "marts", [], "{# publish.ok_in_a_comment #} select * from publish.evaluation_publications\n"
            "union all select * from RAW . crm__account -- raw.ok_in_a_comment"
        ),
    },
    "sources": {"source.p.raw.a": {"resource_type": "source"}},
}
_CONTRACTED = {"contract": {"enforced": True}, "materialized": "table"}
CONSTRAINT_MANIFEST = {
    "nodes": {
        "model.p.mart_t": {"resource_type": "model", "name": "mart_t", "config": _CONTRACTED},
        "model.p.mart_v": {
            "resource_type": "model", "name": "mart_v", "config": {**_CONTRACTED, "materialized": "view"}
        },
        **{
            f"test.p.{name}": {
                "resource_type": "test", "name": f"{kind}_{name}", "attached_node": attached,
                "column_name": "coalesce(x, '')" if name == "t_coalesce" else "x",
                "test_metadata": {"name": kind}, "config": config,
            }
            for name, attached, kind, config in [
                ("t_not_null", "model.p.mart_t", "not_null", {"severity": "ERROR"}),
                ("t_range", "model.p.mart_t", "accepted_range", {}),
                ("t_warn", "model.p.mart_t", "unique", {"severity": "warn"}),
                ("t_where", "model.p.mart_t", "not_null", {"where": "x > 0"}),
                ("t_custom", "model.p.mart_t", "reported_rows", {}),
                ("t_coalesce", "model.p.mart_t", "unique", {}),
                ("v_not_null", "model.p.mart_v", "not_null", {}),
            ]
        },
    },
    "sources": {},
}


@pytest.mark.unit
def test_the_checks_catch_each_kind_of_violation() -> None:
    """A staging model reading an int model, an int model reading a mart, and a mart reading publish./raw. tables by
    name are all reported; comments are not."""
    assert layering_violations(BROKEN_MANIFEST) == [
        "int_b (intermediate) reads model.p.mart_c (marts)",
        "stg_a (staging) reads model.p.int_b (intermediate)",
    ]
    assert direct_table_reads(BROKEN_MANIFEST) == [
        "mart_c: RAW . crm__account",
        "mart_c: publish.evaluation_publications",
    ]


@pytest.mark.unit
def test_the_constraint_check_reports_only_tests_a_contract_can_replace() -> None:
    assert constrainable_tests_on_contracts(CONSTRAINT_MANIFEST) == ["mart_t: not_null x", "mart_t: accepted_range x"]


@pytest.mark.unit
def test_contracted_tables_enforce_constraints_instead_of_data_tests(manifest: dict[str, Any]) -> None:
    assert constrainable_tests_on_contracts(manifest) == []
    constrained = [
        n["name"] for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and any(c["type"] == "unique" for c in n.get("constraints", []))
    ]
    assert {"mart_rep_monthly_kpis", "mart_pay_statement", "dim_sales_rep"} <= set(constrained)
    # audit_payout_lineage's key is a named data test instead: a unique constraint's index over its millions of rows
    # is built in memory (docs/benchmarks.md); the build still fails on a duplicate.
    named = {n["name"]: n.get("attached_node") for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    assert named.get("audit_lineage_one_row_per_line_and_source_row") == "model.sales_performance.audit_payout_lineage"


@pytest.mark.unit
def test_no_model_reads_against_the_layers(manifest: dict[str, Any]) -> None:
    assert layering_violations(manifest) == []


@pytest.mark.unit
def test_no_model_names_a_raw_or_publish_table_outside_source(manifest: dict[str, Any]) -> None:
    assert direct_table_reads(manifest) == []


@pytest.mark.unit
def test_publication_sources_are_the_publish_assets(manifest: dict[str, Any]) -> None:
    """Every source in the publish schema names the Dagster asset that writes it, and that asset exists."""
    from dagster_project.assets.publication import evaluation, pay

    publish_assets = {tuple(evaluation.published_key.path), tuple(pay.published_key.path)}
    sources = [s for s in manifest["sources"].values() if s["schema"] == "publish"]
    assert sources, "no publish source declared"
    for source in sources:
        key = tuple(source["meta"]["dagster"]["asset_key"])
        assert key in publish_assets, f"{source['unique_id']} names {key}, not a publish asset"
    read = {s["name"] for s in sources}
    assert {"evaluation_publications", "quarterly_evaluation_versions"} <= read


@pytest.mark.unit
def test_the_asset_graph_runs_draft_to_publish_to_marts_without_a_cycle() -> None:
    """The graph the UI draws: the grading draft feeds the candidate, the publish asset feeds the staging views of
    the publications, and the published grading table reads them; the whole graph sorts (no cycle) and every job,
    the implicit all-assets job included, resolves."""
    import dagster as dg

    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    key = dg.AssetKey

    def parents(path: str) -> set[str]:
        return {k.to_user_string() for k in graph.get(key(path.split("/"))).parent_keys}

    assert "intermediate/int_quarterly_evaluation" in parents("publish/quarterly_evaluation_candidate")
    assert parents("publish/quarterly_evaluation") == {"publish/quarterly_evaluation_candidate"}
    assert parents("staging/stg_publish__evaluation_publications") == {"publish/quarterly_evaluation"}
    assert parents("staging/stg_publish__quarterly_evaluation_versions") == {"publish/quarterly_evaluation"}
    assert "staging/stg_publish__quarterly_evaluation_versions" in parents(
        "intermediate/int_quarterly_evaluation_versions"
    )
    assert parents("marts/mart_quarterly_evaluation") == {"intermediate/int_quarterly_evaluation_versions"}
    assert graph.toposorted_asset_keys_by_level  # raises on a cycle
    for job in defs.resolve_all_job_defs():
        assert job.graph.nodes, job.name



def test_the_exposures_name_what_their_readers_read(manifest: dict[str, Any]) -> None:
    """docs/architecture.md, The dashboard: the `dashboard` exposure depends on exactly the marts
    dagster_project/dashboard/data.py selects, `bi_publication` on every mart (`spm serve-bi` copies the whole
    schema) and `pay_statements` on the pay marts, so `dbt ls --select +exposure:<name>` is what each reader needs."""
    exposures = {e["name"]: set(e["depends_on"]["nodes"]) for e in manifest["exposures"].values()}
    marts = {key for key, node in manifest["nodes"].items() if node["resource_type"] == "model"
             and layer(node) == "marts"}
    dashboard_sql = (DBT_PROJECT_DIR.parent / "dagster_project" / "dashboard" / "data.py").read_text(encoding="utf-8")
    read = {f"model.sales_performance.{name}" for name in re.findall(r"\bmarts\.(\w+)", dashboard_sql)}
    assert exposures["dashboard"] == read
    assert exposures["bi_publication"] == marts
    assert exposures["pay_statements"] == {"model.sales_performance.mart_pay_statement",
                                           "model.sales_performance.audit_payout_lineage"}


def quoted_columns(manifest: Mapping[str, Any]) -> list[str]:
    """Models that quote a column with adapter.quote(): staging reads raw names plainly on every engine
    (docs/sources.md, The extracts), so a quoted column is indirection with no engine behind it."""
    return sorted(
        node["original_file_path"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "adapter.quote(" in node["raw_code"]
    )


@pytest.mark.unit
def test_models_read_raw_columns_without_adapter_quote(manifest: dict[str, Any]) -> None:
    assert quoted_columns(manifest) == []
    broken = {"nodes": {"m": {**_model("stg_x", "staging", []), "original_file_path": "models/staging/stg_x.sql",
                              "raw_code": "select {{ adapter.quote('Id') }} as id from raw"}}}
    assert quoted_columns(broken) == ["models/staging/stg_x.sql"]
