"""A company's own field reaches a staging model through two files: the source configuration and the model's select.

Every delivered column the contract does not name is kept in the raw table's `_extra` (JSON); `extra_columns:` gives
it a stable name whatever the header; the staging model reads it with the `extra_column` macro. The test delivers a
custom column, adds one line to a copy of the dbt project's stg_crm__opportunity and builds that model with dbt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.extracts import BY_NAME
from dagster_project.ingest.load import ingest_extract
from dagster_project.settings import DEFAULT_TIMEZONE, REPO_ROOT
from dagster_project.source_config import load_source_config

HEADER = "Id,OwnerId,StageName,CurrencyIsoCode,CloseDate,CreatedDate,IsClosed,IsWon,SystemModstamp"
ROW = "{id},U1,Prospecting,CNY,2025-03-01,2025-01-02T00:00:00Z,false,false,2025-01-10T00:00:00Z"


def _deliver(landing: Path, name: str, region_header: str, rows: list[tuple[str, str]]) -> None:
    path = landing / "crm/opportunity" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{ROW.format(id=i)},{region},x\n" for i, region in rows)
    path.write_text(f"{HEADER},{region_header},Other_Field__c\n{body}", encoding="utf-8")


def test_a_custom_field_reaches_staging_through_the_configuration_and_the_models_select(tmp_path: Path) -> None:
    config_file = tmp_path / "own.yml"
    config_file.write_text(
        "extra_columns:\n  crm__opportunity: {region: [Sales_Region__c, Region]}\n", encoding="utf-8"
    )
    config = load_source_config(config_file)
    landing = tmp_path / "landing"
    _deliver(landing, "opportunity_20250131.csv", "Sales_Region__c", [("O1", "East"), ("O2", "")])
    _deliver(landing, "opportunity_20250201.csv", "region", [("O3", "West")])  # renamed header, same field
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ingest_extract(con, BY_NAME["crm__opportunity"], landing, "L1", datetime(2025, 2, 2), config=config,
                       timezone=DEFAULT_TIMEZONE)
        assert con.execute('SELECT "Id", _extra FROM raw.crm__opportunity ORDER BY 1').fetchall() == [
            ("O1", '{"region":"East","Other_Field__c":"x"}'),
            ("O2", '{"region":null,"Other_Field__c":"x"}'),
            ("O3", '{"region":"West","Other_Field__c":"x"}'),
        ]

    project = tmp_path / "dbt"
    shutil.copytree(REPO_ROOT / "dbt", project, ignore=shutil.ignore_patterns("target", "logs"))
    model = project / "models/staging/crm/stg_crm__opportunity.sql"
    sql = model.read_text(encoding="utf-8")
    # the model's select: one line in the CTE, one name in the final select
    sql = sql.replace("        {{ lineage_columns() }},", "        {{ extra_column('region') }} as region,\n"
                      "        {{ lineage_columns() }},", 1)
    sql = sql.replace("    lead_source, probability_pct,", "    lead_source, region, probability_pct,", 1)
    assert sql.count("region") == 3
    model.write_text(sql, encoding="utf-8")
    env = {**os.environ, "SPM_WAREHOUSE": str(warehouse), "SPM_TIMEZONE": DEFAULT_TIMEZONE, "SPM_AS_OF": ""}
    dbt = Path(sys.executable).parent / "dbt"
    done = subprocess.run(
        [str(dbt), "run", "--select", "stg_crm__opportunity", "--project-dir", str(project),
         "--profiles-dir", str(project)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.execute("SELECT opportunity_id, region FROM staging.stg_crm__opportunity ORDER BY 1").fetchall()
    assert got == [("O1", "East"), ("O2", None), ("O3", "West")]


@pytest.mark.unit
def test_the_shipped_staging_models_do_not_read_extra() -> None:
    """Existing staging is unchanged by the kept columns: no shipped model selects `_extra`."""
    models = (REPO_ROOT / "dbt/models/staging").rglob("*.sql")
    assert [m.name for m in models if "_extra" in m.read_text(encoding="utf-8")] == []
