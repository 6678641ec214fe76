"""Bring your own data: a Salesforce org's real export shape builds with `spm run` and is explained by check-sources.

The landing folder is the generator's, reshaped the way a Fivetran-landed org on Salesforce's documented defaults
delivers it: snake_case headers, the default stage/type/rating picklists, no CurrencyIsoCode (single-currency org),
no tier or product-line custom fields, date fields with a time part, upper-case booleans, `_fivetran_synced`
instead of SystemModstamp on tasks, `_fivetran_deleted` as the task delete flag and a history-mode row with
`_fivetran_active = false` on accounts. The company's configuration is tests/fixtures/salesforce_default_org.yml.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dagster_project import cli

FIXTURE_CONFIG = Path(__file__).parent / "fixtures" / "salesforce_default_org.yml"
STAGES = {"Proposal": "Proposal/Price Quote", "Negotiation": "Negotiation/Review"}
NEEDS_ANALYSIS_SPLIT = ("Needs Analysis", "Value Proposition", "Id. Decision Makers", "Perception Analysis")
TYPES = {"New Business": "New Customer", "Existing Business": "Existing Customer - Upgrade",
         "Renewal": "Existing Customer - Replacement"}
RATINGS = {"A": "Hot", "B": "Warm", "C": "Cold"}
LEAD_STATUSES = {"Open": "Open - Not Contacted", "Working": "Working - Contacted", "Converted": "Closed - Converted",
                 "Unqualified": "Closed - Not Converted"}  # Qualified stays: a value the company did not map
DATE_FIELDS = {"CloseDate", "ActivityDate", "StartDate", "EndDate", "ConvertedDate"}
DROPPED = {"CurrencyIsoCode", "Customer_Tier__c", "Product_Line__c"}
UNMAPPED_TYPE = "Partner Referral"
UNMAPPED_TASK_TYPE = "Lunch"


def snake(name: str) -> str:
    """Fivetran's column naming: `SystemModstamp` -> `system_modstamp`, `Customer_Tier__c` -> `customer_tier_c`."""
    return re.sub(r"_+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)).lower()


def _fivetran_stamp(value: str) -> str:
    """`2025-01-02T01:29:44.000+0000` -> `2025-01-02 01:29:44` (Fivetran writes UTC without a zone)."""
    return value[:10] + " " + value[11:19]


def _reshape_row(entity: str, header: list[str], row: list[str], row_no: int) -> list[str]:
    out = []
    for name, value in zip(header, row, strict=True):
        if name == "StageName" and value in STAGES:
            value = STAGES[value]
        elif name == "StageName" and value == "Needs Analysis":
            value = NEEDS_ANALYSIS_SPLIT[row_no % 4]
        elif entity == "opportunity" and name == "Type":
            value = TYPES.get(value, value)
        elif entity == "lead" and name == "Rating":
            value = RATINGS.get(value, value)
        elif entity == "lead" and name == "Status":
            value = LEAD_STATUSES.get(value, value)
        elif name in DATE_FIELDS and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            value += " 00:00:00"
        elif value in ("true", "false"):
            value = value.upper()
        elif entity == "task" and name == "SystemModstamp" and value:
            value = _fivetran_stamp(value)
        out.append(value)
    return out


def _reshape_file(path: Path, first: bool) -> None:
    entity = path.parent.name
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    keep = [i for i, h in enumerate(header) if h not in DROPPED]
    new_body = []
    for n, row in enumerate(body):
        if len(row) != len(header):  # the generator's deliberately malformed lines stay as they are
            new_body.append(row)
            continue
        new = _reshape_row(entity, header, row, n)
        new_body.append([new[i] for i in keep])
    names = [header[i] for i in keep]
    if entity == "task":
        names = ["_fivetran_synced" if h == "SystemModstamp" else "_fivetran_deleted" if h == "IsDeleted" else h
                 for h in names]
    out_header = [h if h.startswith("_") else snake(h) for h in names]
    if first and entity == "opportunity":
        new_body[0][names.index("Type")] = UNMAPPED_TYPE
    if first and entity == "task":
        new_body[0][names.index("Type")] = UNMAPPED_TASK_TYPE
    if entity == "account":
        out_header.append("_fivetran_active")
        new_body = [[*r, "true"] if len(r) == len(names) else r for r in new_body]
        if first:  # an older history-mode version with a later stamp: must not become current
            old = list(new_body[0])
            old[names.index("Name")] = "NOT CURRENT"
            old[names.index("SystemModstamp")] = "2099-01-01T00:00:00.000+0000"
            old[-1] = "false"
            new_body.append(old)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(out_header)
        writer.writerows(new_body)


def reshape_landing(folder: Path) -> None:
    """Rewrite the CRM extracts of a generated landing folder as a Fivetran-landed default org delivers them."""
    for entity_dir in sorted((folder / "crm").iterdir()):
        for i, path in enumerate(sorted(entity_dir.glob("*.csv"))):
            _reshape_file(path, first=i == 0)


@dataclass
class Built:
    landing: Path
    warehouse: Path
    status: int
    check_output: str
    check_status: int
    run_output: str


@pytest.fixture(scope="module")
def byod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    from conftest import TEST_SCALE, TEST_SEED

    from dagster_project.generator import generate

    landing = tmp_path_factory.mktemp("byod_landing")
    generate(landing, scale=TEST_SCALE, seed=TEST_SEED)
    reshape_landing(landing)
    shutil.rmtree(landing / "hr" / "training")  # an org without a training export: its metrics are unavailable
    warehouse = tmp_path_factory.mktemp("byod_wh") / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        for var in ("SPM_LANDING_DIR", "SPM_WAREHOUSE", "SPM_SOURCE_CONFIG", "SPM_AS_OF", "SPM_REPORTING_CURRENCY"):
            mp.delenv(var, raising=False)
            mp.setenv(var, "")  # restored (removed) when the context ends; cli.main sets the real values
        common = ["--landing", str(landing), "--warehouse", str(warehouse), "--source-config", str(FIXTURE_CONFIG)]
        import contextlib
        import io

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            check_status = cli.main(["check-sources", *common])
        run_buf = io.StringIO()
        with contextlib.redirect_stdout(run_buf):
            status = cli.main(["run", *common])
        yield Built(landing, warehouse, status, buf.getvalue(), check_status, run_buf.getvalue())


def _q(built: Built, sql: str) -> list[tuple]:
    con = duckdb.connect(str(built.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_fivetran_landed_default_org_builds_with_spm_run(byod: Built) -> None:
    assert byod.status == 0
    assert _q(byod, "SELECT count(*) FROM marts.mart_sales_funnel")[0][0] > 0


def test_an_absent_optional_extract_is_named_with_its_unavailable_metrics(byod: Built) -> None:
    line = "  unavailable  learning_hours, certifications (no hr/training rows delivered; null, not zero)"
    assert line in byod.run_output.splitlines()
    assert "unavailable  entered" not in byod.run_output  # delivered extracts are not listed
    assert ("note: no delivery files for optional extract hr/training: learning_hours, certifications "
            "unavailable (null)") in byod.check_output


def test_snake_case_headers_are_matched_to_the_contract(byod: Built) -> None:
    header = (byod.landing / "crm/opportunity").glob("*.csv").__next__().read_text().splitlines()[0]
    assert "stage_name" in header and "StageName" not in header
    assert _q(byod, "SELECT count(*) FROM staging.stg_crm__opportunity")[0][0] > 0
    assert "matched by name: Id <- id" in byod.check_output


def test_default_stage_picklist_maps_to_funnel_steps(byod: Built) -> None:
    seen = dict(
        _q(byod, "SELECT source_stage_name, min(stage_name) FROM staging.stg_crm__opportunity_history GROUP BY 1")
    )
    assert seen["Proposal/Price Quote"] == "Proposal"
    assert seen["Negotiation/Review"] == "Negotiation"
    assert seen["Id. Decision Makers"] == "Needs Analysis" and seen["Perception Analysis"] == "Needs Analysis"
    steps = {r[0] for r in _q(byod, "SELECT DISTINCT stage FROM intermediate.int_rep_monthly_funnel")}
    assert {"Proposal", "Negotiation", "Needs Analysis"} <= steps
    # only the generator's deliberately bad stage is quarantined; every Salesforce default stage is mapped
    assert _q(byod, "SELECT reason FROM raw._quarantine WHERE reason LIKE '%StageName%'") == [
        ("unknown value in StageName: Won-ish (add it to stages in the source configuration)",)
    ]


def test_type_and_rating_maps_and_an_unmapped_type_is_kept_and_reported(byod: Built) -> None:
    groups = dict(_q(byod, "SELECT opportunity_type, min(opportunity_type_group) FROM staging.stg_crm__opportunity "
                           "GROUP BY 1"))
    assert groups["New Customer"] == "new" and groups["Existing Customer - Upgrade"] == "existing"
    assert UNMAPPED_TYPE in groups and groups[UNMAPPED_TYPE] is None
    assert f"Type = {UNMAPPED_TYPE!r} in 1 row(s); add it to opportunity_types" in byod.check_output
    assert "Status = 'Qualified'" in byod.check_output
    ratings = dict(_q(byod, "SELECT rating, min(rating_group) FROM staging.stg_crm__lead WHERE rating IS NOT NULL "
                            "GROUP BY 1"))
    assert ratings == {"Hot": "A", "Warm": "B", "Cold": "C"}


def test_single_currency_org_without_currency_iso_code_uses_the_default(byod: Built) -> None:
    assert _q(byod, "SELECT DISTINCT currency FROM staging.stg_crm__opportunity") == [("CNY",)]
    assert "CurrencyIsoCode <- default_currency" in byod.check_output


def test_no_tier_or_product_line_fields_means_unknown(byod: Built) -> None:
    assert _q(byod, "SELECT count(*) FILTER (WHERE tier IS NOT NULL) FROM staging.stg_crm__account") == [(0,)]
    assert _q(byod, "SELECT DISTINCT tier_key FROM intermediate.int_accounts_owned") == [("UNKNOWN",)]
    assert _q(byod, "SELECT count(*) FILTER (WHERE product_line IS NOT NULL) FROM staging.stg_crm__opportunity") == [
        (0,)
    ]
    assert "optional columns absent (read as empty): Customer_Tier__c" in byod.check_output


def test_date_fields_with_a_time_part_keep_their_date(byod: Built) -> None:
    path = sorted((byod.landing / "crm/opportunity").glob("*.csv"))[0]
    with path.open(newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["id"] and r["close_date"])
    assert row["close_date"].endswith(" 00:00:00")
    got = _q(byod, f"SELECT cast(\"CloseDate\" AS DATE) FROM raw.crm__opportunity WHERE \"Id\" = '{row['id']}' "
                   "LIMIT 1")
    assert str(got[0][0]) == row["close_date"][:10]
    # only the generator's deliberately impossible calendar dates are quarantined, not the time parts
    assert _q(byod, "SELECT reason FROM raw._quarantine WHERE reason LIKE 'unparsable date%' ORDER BY 1") == [
        ("unparsable date in CloseDate: 2025-02-30 00:00:00",),
        ("unparsable date in due_date: 2025-04-31",),
    ]


def test_fivetran_columns_stamp_delete_and_history_mode(byod: Built) -> None:
    # _fivetran_synced is the task's change stamp; _fivetran_deleted its delete flag
    assert _q(byod, "SELECT count(*) FROM raw.crm__task WHERE \"SystemModstamp\" IS NULL") == [(0,)]
    assert _q(byod, "SELECT count(*) FROM staging.stg_crm__task")[0][0] > 0
    # the _fivetran_active = false row is not loaded, so it never becomes current
    assert _q(byod, "SELECT count(*) FROM raw.crm__account WHERE \"Name\" = 'NOT CURRENT'") == [(0,)]
    assert _q(byod, "SELECT count(*) FROM raw._load_log WHERE message LIKE '%1 history row(s) not current%'") == [(1,)]
    assert "1 not current (_fivetran_active = false)" in byod.check_output


def test_an_unmapped_task_type_is_quarantined_with_the_map_to_extend(byod: Built) -> None:
    reasons = _q(byod, "SELECT reason FROM raw._quarantine WHERE extract = 'crm__task' AND reason LIKE '%Lunch%'")
    assert reasons == [("unknown value in Type: Lunch (add it to task_types in the source configuration)",)]
    assert "1 x unknown value in Type" in byod.check_output


def test_check_sources_passes_here_and_fails_a_file_missing_a_required_column(byod: Built, tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]
                                                                             ) -> None:
    assert byod.check_status == 0
    assert "time zone: Asia/Shanghai (set SPM_TIMEZONE" in byod.check_output
    assert re.search(r"as-of date: \d{4}-\d{2}-\d{2} \(latest business date of a change stamp; set SPM_AS_OF",
                     byod.check_output)
    assert re.search(r"file\(s\) checked: all would load; \d+ row\(s\) would load, \d+ would be quarantined",
                     byod.check_output)
    landing = tmp_path / "landing"
    (landing / "crm/opportunity").mkdir(parents=True)
    (landing / "crm/opportunity/opportunity_20250131.csv").write_text("id,stage_name\nO1,Prospecting\n")
    status = cli.main(["check-sources", "--landing", str(landing), "--source-config", str(FIXTURE_CONFIG)])
    out = capsys.readouterr().out
    assert status == 1
    assert "FAIL crm/opportunity/opportunity_20250131.csv" in out
    # IsClosed/IsWon come from the stage map, SystemModstamp from the file name, CloseDate/CreatedDate are optional
    # while a deal is open, CurrencyIsoCode is default_currency: only OwnerId is missing, with the keys to set
    assert ("would fail: missing required column(s) OwnerId; name your header for it in aliases.crm__opportunity "
            "or give every row a value in constants.crm__opportunity") in out
    assert "Customer_Tier__c" not in out.split("would fail")[1].splitlines()[0]
