"""What a source configuration supplies when an export lacks it, and what check-sources and `spm run` say about a
landing folder: real DuckDB loads of tiny literal files (issue 21, items 5, 7, 8, 9)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project import cli
from dagster_project.extracts import BY_NAME
from dagster_project.ingest.check import check_sources, format_report
from dagster_project.ingest.header import normalize
from dagster_project.ingest.load import ensure_raw_schema, ingest_extract
from dagster_project.settings import DEFAULT_TIMEZONE
from dagster_project.source_config import SourceConfigError, load_source_config
from dagster_project.summary import render_unavailable, unavailable_metrics

pytestmark = pytest.mark.unit

OPP = BY_NAME["crm__opportunity"]
AT = datetime(2025, 2, 1, 6, 0, 0)
EMPLOYEE = (
    "employee_id,team_id,job_level,hire_date,base_monthly_salary,currency,updated_at\n"
    "E1,T1,Sales Rep,2024-01-01,10000,CNY,2025-01-31T00:00:00Z\n"
)


def land(root: Path, rel: str, content: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def own_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "own.yml"
    path.write_text(text, encoding="utf-8")
    return path


def q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# ------------------------------------------------------------------------------------------ item 5: supplied


def test_is_closed_and_is_won_come_from_the_stage_map_when_absent(tmp_path: Path, con) -> None:
    land(tmp_path, "crm/opportunity/opportunity_20250131.csv",
         "Id,OwnerId,StageName,CurrencyIsoCode,CloseDate,CreatedDate,SystemModstamp\n"
         "O1,U1,Closed Won,CNY,2025-01-10,2025-01-02T00:00:00Z,2025-01-10T00:00:00Z\n"
         "O2,U1,Closed Lost,CNY,2025-01-11,2025-01-02T00:00:00Z,2025-01-11T00:00:00Z\n"
         "O3,U1,Proposal,CNY,2025-03-01,2025-01-02T00:00:00Z,2025-01-12T00:00:00Z\n"
         "O4,U1,Won-ish,CNY,2025-03-01,2025-01-02T00:00:00Z,2025-01-12T00:00:00Z\n")
    result = ingest_extract(con, OPP, tmp_path, "L1", AT, config=load_source_config(), timezone=DEFAULT_TIMEZONE)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert q(con, 'SELECT "Id", "IsClosed", "IsWon" FROM raw.crm__opportunity ORDER BY 1') == [
        ("O1", "true", "true"), ("O2", "true", "false"), ("O3", "false", "false"),
    ]
    # an unknown stage derives no flag: the row is quarantined for the stage (and the flags it cannot have)
    assert q(con, "SELECT reason FROM raw._quarantine") == [
        ("unknown value in StageName: Won-ish (add it to stages in the source configuration); "
         "missing IsClosed; missing IsWon",)
    ]


def test_delivered_flags_that_disagree_with_the_stage_map_are_reported(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    land(landing, "hr/employee/employee_20250131.csv", EMPLOYEE)
    land(landing, "crm/opportunity/opportunity_20250131.csv",
         "Id,OwnerId,StageName,CurrencyIsoCode,CloseDate,CreatedDate,IsClosed,IsWon,SystemModstamp\n"
         "O1,U1,Prospecting,CNY,2025-01-10,2025-01-02T00:00:00Z,true,true,2025-01-10T00:00:00Z\n"
         "O2,U1,Closed Won,CNY,2025-01-10,2025-01-02T00:00:00Z,true,true,2025-01-10T00:00:00Z\n")
    report = check_sources(landing, load_source_config(), DEFAULT_TIMEZONE)
    assert ("crm__opportunity: 1 row(s) whose IsClosed/IsWon disagree with the closed/won of their stage in stages "
            "(the delivered flags decide the outcome; correct closed/won in stages)") in report.notes
    assert report.ok  # reported, not refused: the delivered flags stay authoritative


def test_a_missing_change_stamp_is_midnight_of_the_delivery_date_in_company_time(tmp_path: Path, con) -> None:
    land(tmp_path, "crm/opportunity/opportunity_20250131.csv",
         "Id,OwnerId,StageName,CurrencyIsoCode,IsClosed,IsWon\nO1,U1,Prospecting,CNY,false,false\n")
    ingest_extract(con, OPP, tmp_path, "L1", AT, config=load_source_config(), timezone="Asia/Shanghai")
    # 2025-01-31 00:00 in Shanghai (UTC+8) is 2025-01-30 16:00 UTC
    assert q(con, 'SELECT "SystemModstamp" FROM raw.crm__opportunity') == [("2025-01-30T16:00:00Z",)]
    report = check_sources(tmp_path, load_source_config(), "Asia/Shanghai")
    text = format_report(report, load_source_config())
    assert "supplied by the configuration: IsClosed" not in text  # delivered here
    assert "SystemModstamp <- delivery date in file name (2025-01-30T16:00:00Z)" in text


def test_close_and_created_date_are_required_only_on_a_closed_deal(tmp_path: Path, con) -> None:
    land(tmp_path, "crm/opportunity/opportunity_20250131.csv",
         "Id,OwnerId,StageName,CurrencyIsoCode,CloseDate,CreatedDate,IsClosed,IsWon,SystemModstamp\n"
         "O1,U1,Prospecting,CNY,,,false,false,2025-01-10T00:00:00Z\n"
         "O2,U1,Closed Won,CNY,,,true,true,2025-01-10T00:00:00Z\n"
         "O3,U1,Closed Lost,CNY,2025-01-09,,true,false,2025-01-10T00:00:00Z\n")
    result = ingest_extract(con, OPP, tmp_path, "L1", AT, config=load_source_config(), timezone=DEFAULT_TIMEZONE)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    assert q(con, 'SELECT "Id", "CloseDate", "CreatedDate" FROM raw.crm__opportunity') == [("O1", None, None)]
    assert q(con, "SELECT source_row, reason FROM raw._quarantine ORDER BY 1") == [
        (2, "missing CloseDate; missing CreatedDate"),
        (3, "missing CreatedDate"),
    ]


def test_constants_supply_a_column_the_export_does_not_carry(tmp_path: Path, con) -> None:
    config = load_source_config(own_config(tmp_path, (
        "constants:\n"
        "  crm__opportunity: {StageName: Closed Won}\n"
        "  crm__lead: {Status: Open}\n")))
    delivered = tmp_path / "delivered"
    land(delivered, "crm/opportunity/opportunity_20250131.csv",
         "Id,OwnerId,CurrencyIsoCode,CloseDate,CreatedDate,SystemModstamp,StageName\n"
         "W1,U1,CNY,2025-01-10,2025-01-02T00:00:00Z,2025-01-10T00:00:00Z,\n")
    ingest_extract(con, OPP, delivered, "L0", AT, config=config, timezone=DEFAULT_TIMEZONE)
    # a delivered column wins over the constant, even where it is empty
    assert q(con, "SELECT reason FROM raw._quarantine") == [("missing StageName; missing IsClosed; missing IsWon",)]
    landing = tmp_path / "landing"
    land(landing, "crm/opportunity/opportunity_20250201.csv",
         "Id,OwnerId,CurrencyIsoCode,CloseDate,CreatedDate,SystemModstamp\n"
         "W2,U1,CNY,2025-01-10,2025-01-02T00:00:00Z,2025-01-10T00:00:00Z\n")
    land(landing, "crm/lead/lead_20250201.csv", "Id,OwnerId,CreatedDate,SystemModstamp\n"
         "L1,U1,2025-01-02T00:00:00Z,2025-01-10T00:00:00Z\n")
    ingest_extract(con, OPP, landing, "L1", AT, config=config, timezone=DEFAULT_TIMEZONE)
    ingest_extract(con, BY_NAME["crm__lead"], landing, "L1", AT, config=config, timezone=DEFAULT_TIMEZONE)
    assert q(con, 'SELECT "Id", "StageName", "IsClosed", "IsWon" FROM raw.crm__opportunity WHERE "Id" = \'W2\'') == [
        ("W2", "Closed Won", "true", "true")
    ]
    assert q(con, 'SELECT "Id", "Status" FROM raw.crm__lead') == [("L1", "Open")]
    text = format_report(check_sources(landing, config, DEFAULT_TIMEZONE), config)
    assert "supplied by the configuration: StageName <- constant 'Closed Won', IsClosed <- stages (from " \
        "StageName), IsWon <- stages (from StageName)" in text
    with pytest.raises(SourceConfigError, match=r"constants\.crm__lead: Stage is not a column of crm__lead"):
        load_source_config(own_config(tmp_path, "constants:\n  crm__lead: {Stage: Open}\n"))


def test_account_types_default_covers_salesforce_default_values(tmp_path: Path, con) -> None:
    values = ["Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
              "Installation Partner", "Technology Partner", "Other", "Former Customer", "Reseller X"]
    land(tmp_path, "crm/account/account_20250131.csv", "Id,Type,SystemModstamp\n" + "".join(
        f"A{i},{v},2025-01-10T00:00:00Z\n" for i, v in enumerate(values)))
    result = ingest_extract(con, BY_NAME["crm__account"], tmp_path, "L1", AT, config=load_source_config(),
                            timezone=DEFAULT_TIMEZONE)
    assert (result.rows_loaded, result.rows_quarantined) == (8, 1)
    assert q(con, "SELECT reason FROM raw._quarantine") == [
        ("unknown value in Type: Reseller X (add it to account_types in the source configuration)",)
    ]
    assert q(con, "SELECT source_value, mapped_value FROM raw._source_picklist WHERE config_key = 'account_types' "
                  "AND source_value IN ('Customer - Direct', 'Installation Partner') ORDER BY 1") == [
        ("Customer - Direct", "Customer"), ("Installation Partner", "Prospect"),
    ]
    with pytest.raises(SourceConfigError, match="account_types maps to Prospect, Customer, Former Customer only"):
        load_source_config(own_config(tmp_path, "account_types: {Partner: Partner}\n"))


def test_a_stage_code_and_its_label_map_by_either(tmp_path: Path, con) -> None:
    """Fxiaoke-style: `sales_stage` is the code, `sales_stage__r` its label; the preset maps both."""
    config = load_source_config(preset="china_erp_crm_hr")
    land(tmp_path, "crm/opportunity/opportunity_20250131.csv",
         "_id,owner,name,sales_stage,sales_stage__r,amount,close_date,create_time,last_modified_time\n"
         "F1,U1,Deal 1,6,赢单,100,2025-01-10,2025-01-02T00:00:00Z,2025-01-10T00:00:00Z\n"
         "F2,U1,Deal 2,3,需求确定,200,,,2025-01-10T00:00:00Z\n")
    land(tmp_path, "crm/opportunity/opportunity_20250201.csv",
         "_id,owner,sales_stage,amount,close_date,create_time,last_modified_time\n"
         "F3,U1,7,300,2025-01-20,2025-01-02T00:00:00Z,2025-01-20T00:00:00Z\n")
    result = ingest_extract(con, OPP, tmp_path, "L1", AT, config=config, timezone=DEFAULT_TIMEZONE)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
    assert q(con, 'SELECT "Id", "StageName", "IsClosed", "IsWon", "CurrencyIsoCode" FROM raw.crm__opportunity '
                  "ORDER BY 1") == [
        ("F1", "赢单", "true", "true", "CNY"), ("F2", "需求确定", "false", "false", "CNY"),
        ("F3", "7", "true", "false", "CNY"),
    ]
    # the code column next to the label is kept, not lost
    assert q(con, "SELECT _extra FROM raw.crm__opportunity WHERE \"Id\" = 'F1'") == [('{"sales_stage":"6"}',)]
    assert q(con, "SELECT source_value, mapped_value, is_won FROM raw._source_picklist WHERE extract = "
                  "'crm__opportunity' AND source_value IN ('6', '赢单') ORDER BY 1") == [
        ("6", "Closed Won", True), ("赢单", "Closed Won", True),
    ]


# ------------------------------------------------------------------------------------------ item 9: presets


def test_presets_build_on_one_another_and_a_company_file_names_one(tmp_path: Path) -> None:
    fivetran = load_source_config(preset="fivetran_salesforce")
    assert fivetran.preset == "fivetran_salesforce"
    assert "Proposal/Price Quote" in fivetran.picklist("crm__opportunity", "StageName").mapping
    airbyte = load_source_config(preset="airbyte_salesforce")
    assert airbyte.header_aliases("crm__task")["SystemModstamp"] == ["_airbyte_extracted_at"]
    own = load_source_config(own_config(tmp_path, "preset: salesforce_default_org\ndefault_currency: USD\n"))
    assert own.default_currency == "USD" and own.picklist("crm__lead", "Rating").mapping == {
        "Hot": "A", "Warm": "B", "Cold": "C"}
    with pytest.raises(SourceConfigError, match="unknown preset 'sap'; shipped presets: airbyte_salesforce, "
                                                "china_erp_crm_hr, fivetran_salesforce, salesforce_default_org"):
        load_source_config(preset="sap")


FIVETRAN = Path(__file__).parent / "fixtures" / "fivetran_salesforce"


def test_fivetran_opportunity_table_loads_through_its_preset(tmp_path: Path) -> None:
    """Ten rows in Fivetran's Salesforce opportunity layout (tests/fixtures/fivetran_salesforce/README.md): no
    system_modstamp (the stamp is _fivetran_synced), no currency, opaque picklist values a company maps itself."""
    config = load_source_config(own_config(tmp_path, (
        "preset: fivetran_salesforce\n"
        "default_currency: USD\n"
        "stages:\n"
        "  - {value: Stage_Won_x1, step: Closed Won, closed: true, won: true}\n"
        "  - {value: Stage_Lost_x2, step: Closed Lost, closed: true, won: false}\n"
        "  - {value: Stage_Proposal_x3, step: Proposal, closed: false, won: false}\n")))
    landing = tmp_path / "landing"
    (landing / "crm/opportunity").mkdir(parents=True)
    (landing / "crm/opportunity/opportunity_20191017.csv").write_bytes(
        (FIVETRAN / "opportunity_20191017.csv").read_bytes())
    land(landing, "hr/employee/employee_20191017.csv", EMPLOYEE)
    report = check_sources(landing, config, DEFAULT_TIMEZONE)
    opp = next(f for f in report.files if f.name.startswith("crm/opportunity"))
    assert (opp.rows_loaded, opp.rows_quarantined, opp.not_current) == (7, 1, 2)
    assert opp.quarantine_reasons == [("out of range in Probability", 1)]  # probability 1000 %
    assert ("SystemModstamp", "_fivetran_synced") in opp.renamed
    assert ("CurrencyIsoCode", "default_currency") in opp.renamed
    assert "_fivetran_active" not in opp.unused and "fiscal_year" in opp.unused  # read, and kept in _extra
    # four current won deals have no amount: they count as won but book nothing
    assert report.gaps[0].startswith("4 won opportunity(ies) without an Amount")


# ------------------------------------------------------------------------------------------ item 7: check-sources


def _check(landing: Path, config: Path | None = None) -> tuple[int, str]:
    args = ["check-sources", "--landing", str(landing)]
    if config:
        args += ["--source-config", str(config)]
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = cli.main(args)
    return status, buf.getvalue()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SPM_LANDING_DIR", "SPM_WAREHOUSE", "SPM_SOURCE_CONFIG", "SPM_AS_OF", "SPM_PRESET",
                "SPM_REPORTING_CURRENCY", "SPM_TIMEZONE"):
        monkeypatch.setenv(var, "")
        monkeypatch.delenv(var)


OPP_HEADER = "Id,OwnerId,StageName,CurrencyIsoCode,CloseDate,CreatedDate,IsClosed,IsWon,SystemModstamp\n"


def _opp(i: int, stage: str = "Prospecting") -> str:
    return f"O{i},U1,{stage},CNY,2025-03-01,2025-01-02T00:00:00Z,false,false,2025-01-{10 + i % 20:02d}T00:00:00Z\n"


def test_check_sources_fails_a_file_that_would_load_no_rows(tmp_path: Path, clean_env: None) -> None:
    land(tmp_path, "hr/employee/employee_20250131.csv", EMPLOYEE)
    land(tmp_path, "crm/opportunity/opportunity_20250131.csv", OPP_HEADER + _opp(1, "Won-ish") + _opp(2, "Won-ish"))
    status, out = _check(tmp_path)
    assert status == 1
    assert ("problem: crm/opportunity/opportunity_20250131.csv: would load no rows (all 2 quarantined; each "
            "reason's fix is listed under the file)") in out
    assert "2 x unknown value in StageName (fix: stages)" in out
    assert out.rstrip().endswith("0 would fail, 2 problem(s); 1 row(s) would load, 2 would be quarantined (66.7%)")


def test_check_sources_fails_above_the_quarantine_share_and_the_key_raises_it(tmp_path: Path,
                                                                            clean_env: None) -> None:
    landing = tmp_path / "landing"
    land(landing, "hr/employee/employee_20250131.csv", EMPLOYEE)
    land(landing, "crm/opportunity/opportunity_20250131.csv",
         OPP_HEADER + "".join(_opp(i) for i in range(9)) + _opp(9, "Won-ish"))
    status, out = _check(landing)
    assert status == 1
    assert ("problem: crm__opportunity: 1 of 10 row(s) would be quarantined (10.0%), above "
            "check_sources.max_quarantine_share = 5.0%") in out
    status, out = _check(landing, own_config(tmp_path, "check_sources: {max_quarantine_share: 0.1}\n"))
    assert status == 0, out
    assert "all would load; 10 row(s) would load, 1 would be quarantined (9.1%)" in out


def test_check_sources_fails_without_hr_employee_and_prints_zone_and_as_of(tmp_path: Path, clean_env: None) -> None:
    land(tmp_path, "crm/opportunity/opportunity_20250131.csv", OPP_HEADER + _opp(1))
    status, out = _check(tmp_path)
    assert status == 1
    assert (f"problem: required extract hr/employee missing: no delivery file in {tmp_path}/hr/employee/ (every "
            "rep, team, target and pay line is credited to an employee of the HR roster)") in out
    assert "time zone: Asia/Shanghai (set SPM_TIMEZONE to change" in out
    assert "as-of date: 2025-01-11 (latest business date of a change stamp; set SPM_AS_OF to fix it)" in out
    assert ("note: no delivery files for optional extract hr/training: learning_hours, certifications "
            "unavailable (null)") in out
    assert "gap: 1 of 1 opportunity(ies) without a stage history row" in out


# ------------------------------------------------------------------------------------------ item 8: missing extracts


def test_spm_run_without_hr_employee_stops_before_building(tmp_path: Path, clean_env: None,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    land(tmp_path / "landing", "crm/opportunity/opportunity_20250131.csv", OPP_HEADER + _opp(1))
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    status = cli.main(["run", "--landing", str(tmp_path / "landing"), "--warehouse", str(warehouse)])
    assert status == 1
    assert ("required extract missing, nothing built: hr/employee has no delivery file in "
            f"{tmp_path / 'landing'} (hr/employee/employee_YYYYMMDD.csv): every rep, team, target and pay line is "
            "credited to an employee of the HR roster") in capsys.readouterr().err
    assert not warehouse.exists()  # neither ingest nor dbt ran


def test_absent_optional_extracts_are_listed_as_unavailable_metrics(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as c:
        ensure_raw_schema(c)
        land(tmp_path / "landing", "hr/training/training_20250131.csv",
             "training_id,employee_id,updated_at\nT1,E1,2025-01-10T00:00:00Z\n")
        ingest_extract(c, BY_NAME["hr__training"], tmp_path / "landing", "L1", AT, config=load_source_config(),
                       timezone=DEFAULT_TIMEZONE)
    got = unavailable_metrics(warehouse)
    assert [folder for folder, _ in got] == ["crm/opportunity_history", "finance/invoice", "finance/payment",
                                              "planning/target", "surveys/csat_response", "surveys/review_360",
                                              "crm/case", "crm/order", "surveys/service_survey", "product/usage",
                                              "finance/expense"]
    text = render_unavailable(got)
    assert "  unavailable  entered, advanced, conversion_rate (no crm/opportunity_history rows delivered; null, " \
        "not zero)" in text
    assert "learning_hours" not in text


def test_cjk_aliases_of_the_chinese_preset(tmp_path: Path, con) -> None:
    """Chinese headers reach the contract through the preset's aliases once headers are matched Unicode-aware
    (normalize keeps letters of every script: issue 21 item 1, on its own branch)."""
    if not normalize("商机金额"):
        pytest.skip("header matching does not keep CJK letters yet (issue 21 item 1)")
    config = load_source_config(preset="china_erp_crm_hr")
    land(tmp_path, "finance/invoice/invoice_20250131.csv",
         "单据编号,客户编码,业务日期,到期日,账期天数,价税合计,作废状态,备注\n"
         "AR001,C001,2025-01-05,2025-02-04,30,1130.00,未作废,首单\n"
         "AR002,C002,2025-01-06,2025-02-05,30,565.00,已作废,\n")
    result = ingest_extract(con, BY_NAME["finance__invoice"], tmp_path, "L1", AT, config=config,
                            timezone=DEFAULT_TIMEZONE)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    assert q(con, "SELECT invoice_id, document_type, currency, gross_amount, status, _extra FROM "
                  "raw.finance__invoice ORDER BY 1") == [
        ("AR001", "INV", "CNY", "1130.00", "未作废", '{"备注":"首单"}'),
        ("AR002", "INV", "CNY", "565.00", "已作废", '{"备注":null}'),
    ]


def test_check_sources_takes_a_preset_by_option(tmp_path: Path, clean_env: None) -> None:
    land(tmp_path, "hr/employee/employee_20250131.csv", EMPLOYEE)
    land(tmp_path, "crm/opportunity/opportunity_20250131.csv",
         "Id,OwnerId,StageName,CurrencyIsoCode,SystemModstamp\n"
         "O1,U1,Perception Analysis,CNY,2025-01-10T00:00:00Z\n")
    status, out = _check(tmp_path)  # the built-in stages do not know Salesforce's default ones
    assert status == 1 and "1 x unknown value in StageName (fix: stages)" in out
    args = ["check-sources", "--landing", str(tmp_path), "--preset", "salesforce_default_org"]
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = cli.main(args)
    out = buf.getvalue()
    assert status == 0, out
    assert "salesforce_default_org.yml (preset salesforce_default_org)" in out.splitlines()[0]
    assert "IsClosed <- stages (from StageName), IsWon <- stages (from StageName)" in out


def test_stage_flag_conflicts_are_a_warning_of_the_load(tmp_path: Path, con) -> None:
    land(tmp_path, "crm/opportunity/opportunity_20250131.csv",
         "Id,OwnerId,StageName,CurrencyIsoCode,CloseDate,CreatedDate,IsClosed,IsWon,SystemModstamp\n"
         "O1,U1,Closed Lost,CNY,2025-01-10,2025-01-02T00:00:00Z,true,true,2025-01-10T00:00:00Z\n"
         "O2,U1,Closed Won,CNY,2025-01-10,2025-01-02T00:00:00Z,true,true,2025-01-10T00:00:00Z\n")
    result = ingest_extract(con, OPP, tmp_path, "L1", AT, config=load_source_config(), timezone=DEFAULT_TIMEZONE)
    assert result.rows_loaded == 2  # loaded as delivered: the CRM's flags decide the outcome
    assert "crm__opportunity: 1 row(s) whose IsClosed/IsWon disagree with the closed/won of their stage in " \
        "stages (the delivered flags decide the outcome; correct closed/won in stages)" in result.warnings


def test_a_required_extract_without_rows_stops_the_build_before_dbt(tmp_path: Path, con) -> None:
    from dagster_project.ingest.usable import missing_required_message

    land(tmp_path, "crm/opportunity/opportunity_20250131.csv", OPP_HEADER + _opp(1))
    land(tmp_path, "hr/employee/employee_20250131.csv", EMPLOYEE.replace("Sales Rep", "Intern"))
    for name in ("crm__opportunity", "hr__employee"):
        ingest_extract(con, BY_NAME[name], tmp_path, "L1", AT, config=load_source_config(),
                       timezone=DEFAULT_TIMEZONE)
    assert missing_required_message(con) == (
        "required extract without rows, nothing built: hr__employee fully quarantined (1 row(s) in raw._quarantine) "
        "(every rep, team, target and pay line is credited to an employee of the HR roster)."
    )
    land(tmp_path, "hr/employee/employee_20250201.csv", EMPLOYEE)
    ingest_extract(con, BY_NAME["hr__employee"], tmp_path, "L2", AT, config=load_source_config(),
                   timezone=DEFAULT_TIMEZONE)
    assert missing_required_message(con) is None


def test_a_misspelled_folder_is_named_next_to_the_missing_extract(tmp_path: Path) -> None:
    land(tmp_path, "hr/employee/employee_20250131.csv", EMPLOYEE)
    land(tmp_path, "crm/oportunity/oportunity_20250131.csv", OPP_HEADER + _opp(1))
    message = cli._missing_required_extracts(tmp_path)
    assert message is not None and message.startswith("required extract missing, nothing built: crm/opportunity ")
    assert message.endswith("(unknown landing folder(s), misspelled?: crm/oportunity)")


def test_an_airbyte_stream_loads_through_its_preset(tmp_path: Path, con) -> None:
    """Airbyte keeps API names and adds its metadata columns; _airbyte_extracted_at stands in for a missing
    SystemModstamp, the rest (a JSON _airbyte_meta among them) is kept in _extra."""
    land(tmp_path, "crm/task/task_20250131.csv",
         "Id,OwnerId,Type,ActivityDate,Status,_airbyte_raw_id,_airbyte_extracted_at,_airbyte_meta\n"
         'T1,U1,Call,2025-01-10,Completed,r-1,2025-01-31T02:00:00.000000Z,"{""sync_id"":7,""changes"":[]}"\n')
    result = ingest_extract(con, BY_NAME["crm__task"], tmp_path, "L1", AT,
                            config=load_source_config(preset="airbyte_salesforce"), timezone=DEFAULT_TIMEZONE)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)
    assert q(con, 'SELECT "SystemModstamp", _extra FROM raw.crm__task') == [
        ("2025-01-31T02:00:00.000000Z",
         '{"_airbyte_raw_id":"r-1","_airbyte_meta":"{\\"sync_id\\":7,\\"changes\\":[]}"}'),
    ]
