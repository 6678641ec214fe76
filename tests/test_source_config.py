"""The source configuration and tolerant header/value reading, on real DuckDB loads of tiny files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.extracts import BY_NAME
from dagster_project.ingest.header import HeaderProblem, normalize, resolve_header
from dagster_project.ingest.load import ingest_extract
from dagster_project.settings import DEFAULT_TIMEZONE
from dagster_project.source_config import SourceConfigError, load_source_config


def test_api_names_and_snake_case_normalize_alike() -> None:
    assert normalize("SystemModstamp") == normalize("system_modstamp") == normalize("SYSTEMMODSTAMP")
    assert normalize("Customer_Tier__c") == normalize("customer_tier_c")


def test_missing_optional_columns_are_absent_and_only_required_ones_are_named(tmp_path: Path) -> None:
    config = load_source_config()
    account = BY_NAME["crm__account"]
    hm = resolve_header(account, ["ID", "name", "system_modstamp"], config)
    assert hm.mapped["Id"] == "ID" and hm.mapped["SystemModstamp"] == "system_modstamp"
    assert "Customer_Tier__c" in hm.missing_optional and "IsDeleted" in hm.missing_optional
    with pytest.raises(HeaderProblem, match=r"^missing required column\(s\) SystemModstamp; name your header for it in "
                       r"aliases\.crm__account "):
        resolve_header(account, ["id", "name"], config)
    with pytest.raises(HeaderProblem, match="default_currency"):
        resolve_header(BY_NAME["crm__opportunity"], ["id", "owner_id", "stage_name", "close_date", "created_date",
                                                     "is_closed", "is_won", "system_modstamp"], config)


def test_fivetran_synced_is_the_stamp_and_deleted_is_ored(tmp_path: Path) -> None:
    hm = resolve_header(BY_NAME["crm__task"], ["id", "owner_id", "type", "activity_date", "status", "is_deleted",
                                               "_fivetran_deleted", "_fivetran_synced", "_fivetran_active"],
                        load_source_config())
    assert hm.mapped["SystemModstamp"] == "_fivetran_synced"
    assert "c5" in hm.source["IsDeleted"] and "c6" in hm.source["IsDeleted"]  # is_deleted OR _fivetran_deleted
    assert hm.active_expr is not None
    assert hm.extra == []


def test_a_company_file_overrides_sections_and_unknown_sections_fail(tmp_path: Path) -> None:
    own = tmp_path / "own.yml"
    own.write_text("default_currency: USD\ncustom_fields: {tier: Account_Tier__c}\nopportunity_types: {Deal: new}\n")
    config = load_source_config(own)
    assert config.default_currency == "USD"
    assert config.header_aliases("crm__account") == {"Customer_Tier__c": ["Account_Tier__c"]}
    assert config.picklist("crm__opportunity", "Type").mapping == {"Deal": "new"}  # type: ignore[union-attr]
    assert [s.value for s in config.stages][-1] == "Closed Lost"  # defaults kept where not overridden
    (tmp_path / "bad.yml").write_text("stagez: []\n")
    with pytest.raises(SourceConfigError, match="unknown section"):
        load_source_config(tmp_path / "bad.yml")
    (tmp_path / "step.yml").write_text("stages: [{value: Won, step: Victory}]\n")
    with pytest.raises(SourceConfigError, match="has step 'Victory'"):
        load_source_config(tmp_path / "step.yml")


def _load(tmp_path: Path, system: str, entity: str, text: str) -> duckdb.DuckDBPyConnection:
    folder = tmp_path / "landing" / system / entity
    folder.mkdir(parents=True)
    (folder / f"{entity}_20250131.csv").write_text(text)
    con = duckdb.connect()
    ingest_extract(con, BY_NAME[f"{system}__{entity}"], tmp_path / "landing", "L1", datetime(2025, 2, 1),
                   timezone=DEFAULT_TIMEZONE)
    return con


def test_dates_with_a_time_part_keep_the_date_in_company_time(tmp_path: Path) -> None:
    con = _load(tmp_path, "crm", "contract", (
        "id,account_id,start_date,end_date,status,is_deleted,system_modstamp\n"
        "C1,A1,2025-01-01 00:00:00,2025-12-31T20:00:00.000+0000,Activated,TRUE,2025-01-02 03:04:05\n"
    ))
    row = con.execute('SELECT "StartDate", "EndDate", "IsDeleted", "SystemModstamp" FROM raw.crm__contract').fetchone()
    # 20:00 UTC on Dec 31 is already Jan 1 in Shanghai; a timestamp without zone is read as UTC
    assert row == ("2025-01-01", "2026-01-01", "TRUE", "2025-01-02 03:04:05Z")
    assert con.execute("SELECT count(*) FROM raw._quarantine").fetchone() == (0,)


def test_rate_month_as_a_first_of_month_date(tmp_path: Path) -> None:
    con = _load(tmp_path, "finance", "fx_rate", (
        "rate_month,currency,rate_to_reporting,updated_at\n"
        "2025-01-01,USD,7.2,2025-01-31T10:00:00Z\n2025-02,USD,7.1,2025-02-28T10:00:00Z\n"
        "2025-03-15,USD,7.0,2025-03-31T10:00:00Z\n"
    ))
    assert con.execute("SELECT rate_month FROM raw.finance__fx_rate ORDER BY 1").fetchall() == [
        ("2025-01",), ("2025-02",)
    ]
    assert con.execute("SELECT reason FROM raw._quarantine").fetchall() == [("unparsable month in rate_month: "
                                                                            "2025-03-15",)]


def test_probability_is_read_as_0_to_100(tmp_path: Path) -> None:
    head = "Id,OwnerId,StageName,CurrencyIsoCode,CloseDate,CreatedDate,IsClosed,IsWon,SystemModstamp,Probability\n"
    tail = "U1,Prospecting,CNY,2025-03-01,2025-01-01T00:00:00Z,false,false,2025-01-02T00:00:00Z"
    con = _load(tmp_path, "crm", "opportunity", f"{head}O1,{tail},75\nO2,{tail},150\nO3,{tail},\n")
    assert con.execute('SELECT "Id", "Probability" FROM raw.crm__opportunity ORDER BY 1').fetchall() == [
        ("O1", "75"), ("O3", None)
    ]
    assert con.execute("SELECT source_row, reason FROM raw._quarantine").fetchall() == [
        (2, "out of range in Probability: 150")
    ]
