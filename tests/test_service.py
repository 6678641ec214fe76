"""After-sales service (docs/service.md): the Salesforce preset loads a Case and an Order export as Data Loader writes
them, the working-day calendar command writes China's holidays and make-up days, and the generator's service extracts
carry their mess. Real files, real DuckDB; the formulas themselves are dbt unit tests (models/intermediate/service)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project import working_days
from dagster_project.extracts import BY_NAME
from dagster_project.ingest import ingest_extract
from dagster_project.source_config import load_source_config

pytestmark = pytest.mark.unit

AT = datetime(2025, 2, 1, 6, 0, 0)
TZ = "Asia/Shanghai"
SEED = Path(__file__).resolve().parents[1] / "dbt" / "seeds" / "calendar_cn_working_days.csv"


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def test_salesforce_preset_maps_a_case_and_an_order_export(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """A Case export with the default picklists (Type Mechanical, Reason Feedback, Priority Critical from the org's
    own values) and the first-response milestone under First_Response_Time__c; an Order export with Status
    Activated. An unmapped priority is quarantined naming the map to extend."""
    landing = tmp_path / "landing"
    case_header = ["Id", "CaseNumber", "AccountId", "OwnerId", "Type", "Reason", "Priority", "Status", "Origin",
                   "CreatedDate", "First_Response_Time__c", "IsClosed", "ClosedDate", "IsDeleted", "SystemModstamp"]
    cases = [
        ["500A", "00001001", "001A", "005A", "Mechanical", "Breakdown", "Critical", "Closed", "Phone",
         "2025-01-06T01:00:00.000+0000", "2025-01-06T02:59:00.000+0000", "true", "2025-01-07T01:00:00.000+0000",
         "false", "2025-01-07T01:00:00.000+0000"],
        ["500B", "00001002", "001A", "00G000000000001", "Other", "Complaint", "Low", "New", "Web",
         "2025-01-08T01:00:00.000+0000", "", "false", "", "false", "2025-01-08T01:00:00.000+0000"],
        ["500C", "00001003", "001A", "005A", "Other", "Other", "Urgent", "New", "Web",
         "2025-01-09T01:00:00.000+0000", "", "false", "", "false", "2025-01-09T01:00:00.000+0000"],
    ]
    (landing / "crm" / "case").mkdir(parents=True)
    (landing / "crm" / "case" / "case_20250131.csv").write_bytes(_csv(case_header, cases))
    order_header = ["Id", "OrderNumber", "AccountId", "OpportunityId", "ContractId", "OwnerId", "Status",
                    "EffectiveDate", "ActivatedDate", "IsDeleted", "SystemModstamp"]
    orders = [["801A", "00000100", "001A", "006A", "800A", "005A", "Activated", "2025-01-20",
               "2025-01-24T03:00:00.000+0000", "false", "2025-01-24T03:00:00.000+0000"]]
    (landing / "crm" / "order").mkdir(parents=True)
    (landing / "crm" / "order" / "order_20250131.csv").write_bytes(_csv(order_header, orders))

    config = load_source_config(preset="salesforce_default_org")
    case_result = ingest_extract(con, BY_NAME["crm__case"], landing, "L1", AT, config=config, timezone=TZ)
    order_result = ingest_extract(con, BY_NAME["crm__order"], landing, "L1", AT, config=config, timezone=TZ)

    assert (case_result.rows_loaded, order_result.rows_loaded) == (2, 1)
    assert con.execute('SELECT "Id", "First_Response__c" FROM raw.crm__case ORDER BY "Id"').fetchall() == [
        ("500A", "2025-01-06T02:59:00.000+0000"), ("500B", None)]
    reasons = con.execute("SELECT reason FROM raw._quarantine WHERE extract = 'crm__case'").fetchall()
    assert len(reasons) == 1 and "Urgent" in reasons[0][0] and "case_priorities" in reasons[0][0]
    mapped = dict(con.execute(
        "SELECT field || ':' || source_value, mapped_value FROM raw._source_picklist "
        "WHERE extract IN ('crm__case', 'crm__order')").fetchall())
    assert mapped["Priority:Critical"] == "High"
    assert mapped["Reason:Complaint"] == "complaint"
    assert mapped["Type:Mechanical"] == "problem"
    assert mapped["Status:Activated"] == "activated"


def test_calendar_command_writes_holidays_and_make_up_days(tmp_path: Path) -> None:
    """2025 Spring Festival: 01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked; 365 dates."""
    pytest.importorskip("holidays")
    out = tmp_path / "calendar.csv"
    assert working_days.write_seed(out, 2025, 2025) == 365
    rows = {r["calendar_date"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert (rows["2025-01-26"]["is_working_day"], rows["2025-01-26"]["day_kind"]) == ("true", "makeup_workday")
    assert (rows["2025-02-08"]["is_working_day"], rows["2025-02-08"]["day_kind"]) == ("true", "makeup_workday")
    assert [d for d in rows if "2025-01-28" <= d <= "2025-02-04" and rows[d]["is_working_day"] == "true"] == []
    assert rows["2025-10-01"]["holiday_name"] == "National Day"
    assert (rows["2025-01-25"]["day_kind"], rows["2025-01-27"]["day_kind"]) == ("weekend", "workday")


def test_the_committed_calendar_is_what_the_documented_command_writes(tmp_path: Path) -> None:
    pytest.importorskip("holidays")
    out = tmp_path / "calendar.csv"
    working_days.write_seed(out, 2015, 2026)
    assert out.read_bytes() == SEED.read_bytes()


def test_generated_service_extracts_carry_their_mess(tmp_path: Path) -> None:
    """Every after-sales panel has data, and the deliberate oddities are there: a support-queue owner, a case
    without a first response, a deleted case, an order without ActivatedDate; post-case and relationship surveys."""
    from dagster_project.generator import generate

    counts = generate(tmp_path / "landing", scale=0.02, seed=7)
    assert {k: counts[k] > 100 for k in ("crm__case", "crm__order", "surveys__service_survey", "product__usage")} \
        == dict.fromkeys(("crm__case", "crm__order", "surveys__service_survey", "product__usage"), True)

    def rows(system: str, entity: str) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        for f in sorted((tmp_path / "landing" / system / entity).glob("*.csv")):
            out.extend(csv.DictReader(f.open(encoding="utf-8")))
        return out

    cases, orders, survey = rows("crm", "case"), rows("crm", "order"), rows("surveys", "service_survey")
    assert any(r["OwnerId"].startswith("00G") for r in cases)
    assert any(r["IsClosed"] == "true" and not r["First_Response__c"] for r in cases)
    assert any(r["IsDeleted"] == "true" for r in cases)
    assert any(r["Status"] == "Activated" and not r["ActivatedDate"] for r in orders)
    assert any(r["case_id"] for r in survey) and any(not r["case_id"] for r in survey)
    assert all(0 <= int(r["nps_score"]) <= 10 for r in survey)


def test_a_generated_company_fills_every_service_panel(built_warehouse) -> None:  # type: ignore[no-untyped-def]
    """The session warehouse (generated at scale 0.02, seed 7): every figure of mart_service_quality has a value for
    the company in 2025Q3, every rep quarter has an award decision, and mart_customer_health scores accounts."""
    con = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    try:
        company = con.execute(
            "SELECT followup_in_time_rate, followup_coverage, first_response_rate, median_response_hours, "
            "complaint_resolution_rate, resolution_satisfaction, nps, csat_solution_fit, csat_response_speed, "
            "csat_problem_resolution FROM marts.mart_service_quality "
            "WHERE period_type = 'quarter' AND period = '2025Q3' AND scope = 'company'").fetchall()
        assert len(company) == 1 and None not in company[0]
        awards = con.execute(
            "SELECT count(*), count(best_service_award), sum(CASE WHEN best_service_award THEN 1 ELSE 0 END) "
            "FROM marts.mart_service_quality WHERE period_type = 'quarter' AND scope = 'rep' AND period = '2025Q3'"
        ).fetchone()
        assert awards is not None and awards[0] == awards[1] and awards[2] >= 1
        health = con.execute(
            "SELECT count(*), count(health_score), count(usage_score), count(nps), "
            "sum(CASE WHEN at_risk THEN 1 ELSE 0 END) FROM marts.mart_customer_health WHERE quarter = '2025Q4'"
        ).fetchone()
        assert health is not None and health[0] == health[1] > 0 and health[2] > 0 and health[3] > 0
        assert 0 < health[4] < health[0]
    finally:
        con.close()
