"""Ingest: landing files -> raw tables, quarantine and load log, against real DuckDB files.

Each fault is written out as literal CSV text so the test shows exactly what was delivered and exactly which
reason, file and row number it must produce.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.extracts import BY_NAME, EXTRACTS
from dagster_project.ingest import (
    IngestError,
    discover,
    ensure_raw_schema,
    ingest_extract,
    quarantine_summary,
)
from dagster_project.ingest.landing import copy_without_last_delivery
from dagster_project.summary import CheckTally, summarize

pytestmark = pytest.mark.unit

OPP = BY_NAME["crm__opportunity"]
FX = BY_NAME["finance__fx_rate"]
REVIEW = BY_NAME["surveys__review_360"]
AT = datetime(2025, 2, 1, 6, 0, 0)

OPP_HEADER = (
    "Id,AccountId,OwnerId,Name,Type,StageName,Amount,CurrencyIsoCode,CloseDate,CreatedDate,"
    "IsClosed,IsWon,Product_Line__c,LeadSource,IsDeleted,SystemModstamp"
)
OPP_GOOD = (
    "006A,001A,005A,Deal A,New Business,Prospecting,1000.50,CNY,2025-03-31,2025-01-02T08:00:00Z,"
    "false,false,Cloud,Web,false,2025-01-31T09:12:00Z"
)
FX_HEADER = "rate_month,currency,rate_to_reporting,updated_at"

STAGE_HINT = " (add it to stages in the source configuration)"


def land(root: Path, rel: str, content: str | bytes) -> Path:
    """Write one delivery file under the landing root (bytes as given, text as UTF-8 with LF)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    root.mkdir()
    return root


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


# --------------------------------------------------------------------------------------------- discovery


def test_discover_orders_by_date_then_sequence(landing: Path) -> None:
    for name in ("opportunity_20250131_10.csv", "opportunity_20250201.csv", "opportunity_20250131_2.csv"):
        land(landing, f"crm/opportunity/{name}", OPP_HEADER + "\n")
    land(landing, "crm/opportunity/opportunity_20250131.csv", OPP_HEADER + "\n")
    land(landing, "crm/opportunity/.DS_Store", b"\x00")

    found = discover(landing)

    assert set(found) == {e.name for e in EXTRACTS}
    assert found["crm__opportunity_split"] == []
    files = found["crm__opportunity"]
    assert [f.name for f in files] == [
        "crm/opportunity/opportunity_20250131.csv",
        "crm/opportunity/opportunity_20250131_2.csv",
        "crm/opportunity/opportunity_20250131_10.csv",
        "crm/opportunity/opportunity_20250201.csv",
    ]
    assert [f.file_order for f in files] == [20250131000, 20250131002, 20250131010, 20250201000]
    assert files[2].sequence == 10 and files[2].delivery_date.isoformat() == "2025-01-31"


def test_copy_without_last_delivery_holds_back_each_extracts_latest_date(landing: Path, tmp_path: Path) -> None:
    for name in ("opportunity_20250131.csv", "opportunity_20250228.csv", "opportunity_20250228_2.csv"):
        land(landing, f"crm/opportunity/{name}", OPP_HEADER + "\n")
    land(landing, "crm/task/task_20250131.csv", "Id\n")
    land(landing, "crm/task/task_20250331.csv", "Id\n")
    land(landing, "finance/fx_rate/fx_rate_20250228.csv", FX_HEADER + "\n")  # delivered once: kept
    part = tmp_path / "part"

    held = copy_without_last_delivery(landing, part)

    assert sorted(held) == ["crm/opportunity/opportunity_20250228.csv", "crm/opportunity/opportunity_20250228_2.csv",
                            "crm/task/task_20250331.csv"]
    left = sorted(str(f.relative_to(part)) for f in part.rglob("*.csv"))
    assert left == ["crm/opportunity/opportunity_20250131.csv", "crm/task/task_20250131.csv",
                    "finance/fx_rate/fx_rate_20250228.csv"]
    assert len(list(landing.rglob("*.csv"))) == 6  # the source folder is untouched
    with pytest.raises(FileExistsError, match="part exists"):
        copy_without_last_delivery(landing, part)


@pytest.mark.parametrize(
    "bad_name",
    [
        "opportunity_2025-01-31.csv",
        "opportunity_20250131.txt",
        "opp_20250131.csv",
        "opportunity_20250231.csv",
    ],
)
def test_misnamed_file_is_an_error_naming_it(landing: Path, con, bad_name: str) -> None:
    land(landing, "crm/opportunity/opportunity_20250131.csv", OPP_HEADER + "\n")
    land(landing, f"crm/opportunity/{bad_name}", OPP_HEADER + "\n")

    with pytest.raises(IngestError, match=f"crm/opportunity/{bad_name}"):
        discover(landing)
    with pytest.raises(IngestError, match=f"crm/opportunity/{bad_name}"):
        ingest_extract(con, OPP, landing, "L1", AT)


def test_unknown_folder_is_an_error_listing_known_extracts(landing: Path) -> None:
    land(landing, "crm/oportunity/oportunity_20250131.csv", OPP_HEADER + "\n")

    with pytest.raises(IngestError, match="crm/oportunity") as err:
        discover(landing)
    assert "crm/opportunity" in str(err.value) and "finance/invoice" in str(err.value)


# --------------------------------------------------------------------------------------------- schema


def test_raw_tables_exist_before_any_delivery(landing: Path, con) -> None:
    result = ingest_extract(con, OPP, landing, "L1", AT)
    optional = ingest_extract(con, BY_NAME["crm__opportunity_split"], landing, "L1", AT)

    assert result.files_seen == 0 and result.warnings == [
        "no delivery files for required extract crm/opportunity"
    ]
    assert optional.warnings == []
    for extract in EXTRACTS:
        cols = rows(
            con,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
            [extract.name],
        )
        assert [c for c, _ in cols[: len(extract.columns)]] == list(extract.column_names)
        assert {t for _, t in cols[: len(extract.columns)]} == {"VARCHAR"}
        assert cols[len(extract.columns) :] == [
            ("_source_file", "VARCHAR"),
            ("_source_sha256", "VARCHAR"),
            ("_source_row", "BIGINT"),
            ("_file_order", "BIGINT"),
            ("_load_id", "VARCHAR"),
            ("_loaded_at", "TIMESTAMP"),
            ("_extra", "VARCHAR"),  # delivered columns the contract does not name, as JSON
        ]
    ensure_raw_schema(con)  # idempotent
    assert rows(con, "SELECT count(*) FROM raw._load_log") == [(0,)]


# --------------------------------------------------------------------------------------------- rows


OPP_FILE = "\n".join(
    [
        OPP_HEADER,
        # 1: good
        OPP_GOOD,
        # 2: good, a quoted line break (still one record), '' fields, both Salesforce timestamp forms
        '006B,001A,005A,"Deal B\nsecond line",Renewal,Closed Won,2000,CNY,2025-01-15,'
        "2025-01-02T08:00:00.000+0000,true,TRUE,,,0,2025-01-31T09:12:00.000+0000",
        # 3: impossible date, right after the multi-line record
        "006C,001A,005A,Deal C,New Business,Prospecting,10,CNY,2025-02-30,2025-01-02T08:00:00Z,"
        "false,false,Cloud,Web,false,2025-01-31T09:12:00Z",
        # 4: wrong column count
        "006D,001A,005A",
        # 5: right after the wrong-count line: missing key and unknown stage
        ",001A,005A,Deal E,New Business,Won,10,CNY,2025-03-31,2025-01-02T08:00:00Z,"
        "false,false,Cloud,Web,false,2025-01-31T09:12:00Z",
        # 6: negative amount
        "006F,001A,005A,Deal F,New Business,Prospecting,-5,CNY,2025-03-31,2025-01-02T08:00:00Z,"
        "false,false,Cloud,Web,false,2025-01-31T09:12:00Z",
        # 7: a comma that is no thousands separator (quoted because of the comma)
        '006G,001A,005A,Deal G,New Business,Prospecting,"12,5",CNY,2025-03-31,2025-01-02T08:00:00Z,'
        "false,false,Cloud,Web,false,2025-01-31T09:12:00Z",
        # 8: missing OwnerId and a boolean that is not one
        "006H,001A,,Deal H,New Business,Prospecting,10,CNY,2025-03-31,2025-01-02T08:00:00Z,"
        "maybe,false,Cloud,Web,false,2025-01-31T09:12:00Z",
        # 9: a timestamp in a format no export writes
        "006I,001A,005A,Deal I,New Business,Prospecting,10,CNY,2025-03-31,2025-01-02T08:00:00Z,"
        "false,false,Cloud,Web,false,2025-01-31 9h12",
        # a blank line is not a record
        "",
        # 10: good
        "006J,001A,005A,Deal J,Existing Business,Negotiation,10,USD,2025-03-31,2025-01-02T08:00:00Z,"
        "false,false,Cloud,Web,false,2025-01-31T09:12:00Z",
        # 11: too many fields
        OPP_GOOD + ",surplus",
        # 12: good
        OPP_GOOD.replace("006A", "006L"),
    ]
)


def test_malformed_rows_are_quarantined_with_reason_file_and_row(landing: Path, con) -> None:
    path = land(landing, "crm/opportunity/opportunity_20250131.csv", OPP_FILE + "\n")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()

    result = ingest_extract(con, OPP, landing, "L1", AT)

    assert (result.files_loaded, result.rows_loaded, result.rows_quarantined) == (1, 4, 8)
    name = "crm/opportunity/opportunity_20250131.csv"
    assert rows(
        con, "SELECT extract, source_file, source_sha256, source_row, reason FROM raw._quarantine ORDER BY 4"
    ) == [
        ("crm__opportunity", name, sha, 3, "unparsable date in CloseDate: 2025-02-30"),
        ("crm__opportunity", name, sha, 4, "wrong column count: expected 16 fields"),
        ("crm__opportunity", name, sha, 5, "missing key Id; unknown value in StageName: Won" + STAGE_HINT),
        ("crm__opportunity", name, sha, 6, "negative amount in Amount: -5"),
        ("crm__opportunity", name, sha, 7, "unparsable number in Amount: 12,5"),
        ("crm__opportunity", name, sha, 8, "missing OwnerId; unparsable boolean in IsClosed: maybe"),
        ("crm__opportunity", name, sha, 9, "unparsable timestamp in SystemModstamp: 2025-01-31 9h12"),
        ("crm__opportunity", name, sha, 11, "wrong column count: expected 16 fields"),
    ]
    raw_text = dict(rows(con, "SELECT source_row, raw_text FROM raw._quarantine"))
    assert raw_text[4] == "006D,001A,005A"
    assert raw_text[7] == (
        '006G,001A,005A,Deal G,New Business,Prospecting,"12,5",CNY,2025-03-31,2025-01-02T08:00:00Z,'
        "false,false,Cloud,Web,false,2025-01-31T09:12:00Z"
    )
    assert raw_text[11] == OPP_GOOD + ",surplus"
    assert rows(con, "SELECT status, rows_loaded, rows_quarantined FROM raw._load_log") == [("loaded", 4, 8)]


def test_good_rows_load_with_lineage_and_empty_as_null(landing: Path, con) -> None:
    path = land(landing, "crm/opportunity/opportunity_20250131.csv", OPP_FILE + "\n")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()

    ingest_extract(con, OPP, landing, "L1", AT)

    got = rows(
        con,
        'SELECT "Id", "Name", "Product_Line__c", "LeadSource", "IsWon", _source_file, _source_sha256, '
        "_source_row, _file_order, _load_id, _loaded_at FROM raw.crm__opportunity ORDER BY _source_row",
    )
    lineage = ("crm/opportunity/opportunity_20250131.csv", sha)
    assert got == [
        ("006A", "Deal A", "Cloud", "Web", "false", *lineage, 1, 20250131000, "L1", AT),
        ("006B", "Deal B\nsecond line", None, None, "TRUE", *lineage, 2, 20250131000, "L1", AT),
        ("006J", "Deal J", "Cloud", "Web", "false", *lineage, 10, 20250131000, "L1", AT),
        ("006L", "Deal A", "Cloud", "Web", "false", *lineage, 12, 20250131000, "L1", AT),
    ]


def test_crlf_file_and_blank_lines_keep_row_numbers(landing: Path, con) -> None:
    lines = [
        FX_HEADER,
        "2025-01,USD,7.1,2025-01-31T09:12:00Z",
        "",
        '2025-01,"E\r\nUR",7.8,2025-01-31T09:12:00Z',
        "",
        "",
        "2025-01",
        "2025-01,JPY,0.05,2025-01-31T09:12:00Z",
        "",
    ]
    text = "\r\n".join(lines)
    land(landing, "finance/fx_rate/fx_rate_20250131.csv", text)

    ingest_extract(con, FX, landing, "L1", AT)

    assert rows(con, "SELECT currency, _source_row FROM raw.finance__fx_rate ORDER BY 2") == [
        ("USD", 1),
        ("E\r\nUR", 2),
        ("JPY", 4),
    ]
    assert rows(con, "SELECT source_row, raw_text, reason FROM raw._quarantine") == [
        (3, "2025-01", "wrong column count: expected 4 fields")
    ]


def test_range_month_cycle_and_enum_rules(landing: Path, con, tmp_path: Path) -> None:
    land(
        landing,
        "finance/fx_rate/fx_rate_20250131.csv",
        f"{FX_HEADER}\n2025-13,USD,7.1,2025-01-31T09:12:00Z\n2025-01,USD,7.1,2025-01-32\n",
    )
    land(
        landing,
        "surveys/review_360/review_360_20250131.csv",
        "review_id,cycle,reviewee_employee_id,reviewer_type,reviewer_id,competency,score,submitted_at,"
        "is_deleted,updated_at\n"
        "R1,2025Q1,E1,peer,E2,negotiation,4.5,,false,2025-01-31T09:12:00Z\n"
        "R2,2025Q5,E1,peer,E2,negotiation,4,,false,2025-01-31T09:12:00Z\n"
        "R3,2025Q1,E1,peer,E2,charm,0,,false,2025-01-31T09:12:00Z\n"
        "R4,2025Q1,E1,boss,E2,negotiation,6,,false,2025-01-31T09:12:00Z\n",
    )

    ingest_extract(con, FX, landing, "L1", AT)
    ingest_extract(con, REVIEW, landing, "L1", AT)

    assert rows(con, "SELECT extract, source_row, reason FROM raw._quarantine ORDER BY 1, 2") == [
        ("finance__fx_rate", 1, "unparsable month in rate_month: 2025-13"),
        ("finance__fx_rate", 2, "unparsable timestamp in updated_at: 2025-01-32"),
        ("surveys__review_360", 2, "unparsable cycle in cycle: 2025Q5"),
        ("surveys__review_360", 3, "unknown value in competency: charm; out of range in score: 0"),
        ("surveys__review_360", 4, "unknown value in reviewer_type: boss; out of range in score: 6"),
    ]
    assert rows(con, "SELECT review_id, submitted_at FROM raw.surveys__review_360") == [("R1", None)]
    classes = [
        ("finance__fx_rate", "unparsable month in rate_month", 1),
        ("finance__fx_rate", "unparsable timestamp in updated_at", 1),
        ("surveys__review_360", "out of range in score", 2),
        ("surveys__review_360", "unknown value in competency", 1),
        ("surveys__review_360", "unknown value in reviewer_type", 1),
        ("surveys__review_360", "unparsable cycle in cycle", 1),
    ]
    assert quarantine_summary(con) == classes

    # `spm run`'s closing summary classes the quarantine by the same rule (each reason of a row counts), and
    # counts the rows themselves once: 5 rows, 7 reasons.
    con.close()
    summary = summarize(tmp_path / "warehouse.duckdb")
    assert (summary.quarantine, summary.quarantined_rows) == (classes, 5)
    assert "quarantined  5 rows in raw._quarantine" in summary.render(CheckTally())


# --------------------------------------------------------------------------------------------- idempotence


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    tables = ["_load_log", "_quarantine", "_landing_file_hash", *(e.name for e in EXTRACTS)]
    return {t: sorted(rows(con, f'SELECT * FROM raw."{t}"'), key=repr) for t in tables}


def test_redelivery_under_another_name_is_skipped(landing: Path, con) -> None:
    land(landing, "crm/opportunity/opportunity_20250131.csv", OPP_FILE + "\n")
    land(landing, "crm/opportunity/opportunity_20250201.csv", OPP_FILE + "\n")

    result = ingest_extract(con, OPP, landing, "L1", AT)

    assert (result.files_seen, result.files_loaded, result.files_skipped, result.rows_loaded) == (2, 1, 1, 4)
    assert rows(con, "SELECT count(*) FROM raw.crm__opportunity") == [(4,)]
    assert rows(con, "SELECT count(*) FROM raw._quarantine") == [(8,)]
    assert rows(con, "SELECT source_file, status, message FROM raw._load_log ORDER BY file_order") == [
        ("crm/opportunity/opportunity_20250131.csv", "loaded", "4 rows loaded, 8 quarantined; read as UTF-8"),
        (
            "crm/opportunity/opportunity_20250201.csv",
            "skipped_duplicate",
            "same bytes as crm/opportunity/opportunity_20250131.csv (crm__opportunity), loaded in load L1",
        ),
    ]


def test_loading_the_same_folder_twice_changes_no_table(landing: Path, con) -> None:
    land(landing, "crm/opportunity/opportunity_20250131.csv", OPP_FILE + "\n")
    land(landing, "crm/opportunity/opportunity_20250201.csv", OPP_FILE + "\n")  # a re-delivery
    land(landing, "crm/opportunity/opportunity_20250202.csv", f"{OPP_HEADER}\n{OPP_GOOD}\n")
    land(
        landing,
        "finance/fx_rate/fx_rate_20250131.csv",
        f"{FX_HEADER}\n2025-01,USD,7.1,2025-01-31T09:12:00Z\n",
    )

    for extract in (OPP, FX):
        ingest_extract(con, extract, landing, "L1", AT)
    before = snapshot(con)
    again = [ingest_extract(con, extract, landing, "L2", datetime(2025, 3, 1)) for extract in (OPP, FX)]

    assert snapshot(con) == before
    assert [(r.files_loaded, r.files_skipped, r.rows_loaded) for r in again] == [(0, 3, 0), (0, 1, 0)]
    assert {t: len(v) for t, v in before.items() if v} == {
        "_landing_file_hash": 4,
        "_load_log": 4,
        "_quarantine": 8,
        "crm__opportunity": 5,
        "finance__fx_rate": 1,
    }


def scans_of(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the ingest reads from now on (a list that fills as load.scan_file is called; the scan is real)."""
    import dagster_project.ingest.load as load_module

    seen: list[str] = []
    real_scan = load_module.scan_file

    def counting_scan(path: Path, text: bool):  # type: ignore[no-untyped-def]
        seen.append(path.name)
        return real_scan(path, text)

    monkeypatch.setattr(load_module, "scan_file", counting_scan)
    return seen


def test_a_loaded_file_is_not_read_again_while_its_size_and_mtime_hold(landing: Path, con, monkeypatch) -> None:
    january = land(landing, "crm/opportunity/opportunity_20250131.csv", OPP_FILE + "\n")
    land(landing, "crm/opportunity/opportunity_20250201.csv", OPP_FILE + "\n")  # a re-delivery
    ingest_extract(con, OPP, landing, "L1", AT)
    before = snapshot(con)
    scanned = scans_of(monkeypatch)

    # Nothing new: no file is read, no table changes.
    again = ingest_extract(con, OPP, landing, "L2", AT)
    assert scanned == [] and (again.files_loaded, again.files_skipped) == (0, 2)
    assert snapshot(con) == before

    # A new month: only the new file is read, once (the load reuses the pass that hashed it).
    land(landing, "crm/opportunity/opportunity_20250228.csv", f"{OPP_HEADER}\n{OPP_GOOD.replace('006A', '006B')}\n")
    added = ingest_extract(con, OPP, landing, "L3", AT)
    assert scanned == ["opportunity_20250228.csv"] and (added.files_loaded, added.rows_loaded) == (1, 1)

    # Same bytes, new mtime (a copy or re-sync): read and hashed again, still recognised, nothing logged.
    scanned.clear()
    os.utime(january, ns=(january.stat().st_atime_ns, january.stat().st_mtime_ns + 10**9))
    touched = ingest_extract(con, OPP, landing, "L4", AT)
    assert scanned == ["opportunity_20250131.csv"] and touched.files_loaded == 0
    assert rows(con, "SELECT count(*) FROM raw._load_log WHERE load_id = 'L4'") == [(0,)]

    # New bytes under the old name: read, and loaded as a new version beside the old one.
    scanned.clear()
    land(landing, "crm/opportunity/opportunity_20250131.csv", f"{OPP_HEADER}\n{OPP_GOOD.replace('006A', '006C')}\n")
    changed = ingest_extract(con, OPP, landing, "L5", AT)
    assert scanned == ["opportunity_20250131.csv"] and changed.rows_loaded == 1
    assert changed.warnings == [
        "crm/opportunity/opportunity_20250131.csv: loaded before with different content; both versions are kept"
    ]
    assert rows(con, 'SELECT "Id" FROM raw.crm__opportunity WHERE _load_id = \'L5\'') == [("006C",)]


def test_a_file_that_failed_is_read_and_reported_again_though_its_hash_is_known(
    landing: Path, con, monkeypatch
) -> None:
    land(landing, "crm/opportunity/opportunity_20250131.csv", f"{OPP_HEADER}\n{OPP_GOOD}\n".encode() + b"\xff\n")
    with pytest.raises(IngestError, match="not valid UTF-8"):
        ingest_extract(con, OPP, landing, "L1", AT)
    scanned = scans_of(monkeypatch)

    with pytest.raises(IngestError, match=r"opportunity_20250131.csv: not valid UTF-8 \(byte 0xff"):
        ingest_extract(con, OPP, landing, "L2", AT)
    assert scanned == ["opportunity_20250131.csv"]
    assert rows(con, "SELECT load_id, status FROM raw._load_log ORDER BY load_id") == [
        ("L1", "failed"),
        ("L2", "failed"),
    ]


# --------------------------------------------------------------------------------------------- bad files


def test_unreadable_files_fail_by_name_while_other_files_stay_loaded(landing: Path, con) -> None:
    land(landing, "crm/opportunity/opportunity_20250101.csv", f"{OPP_HEADER}\n{OPP_GOOD}\n")
    ingest_extract(con, OPP, landing, "L1", AT)

    latin1 = f"{OPP_HEADER}\n{OPP_GOOD.replace('Deal A', 'Café')}\n".encode("latin-1")
    land(landing, "crm/opportunity/opportunity_20250201.csv", latin1)
    land(
        landing,
        "crm/opportunity/opportunity_20250202.csv",
        f"{OPP_HEADER.replace(',OwnerId', '')}\n006X,001A,005A\n",
    )
    land(landing, "crm/opportunity/opportunity_20250203.csv", "")
    land(
        landing,
        "crm/opportunity/opportunity_20250204.csv",
        f"{OPP_HEADER}\n{OPP_GOOD.replace('006A', '006Z')}\n",
    )
    land(landing, "crm/opportunity/opportunity_20250205.csv", f"{OPP_HEADER},Name\n")

    with pytest.raises(IngestError) as err:
        ingest_extract(con, OPP, landing, "L2", AT)

    message = str(err.value)
    assert "crm/opportunity/opportunity_20250201.csv: not valid UTF-8 (byte 0xe9" in message
    assert "crm/opportunity/opportunity_20250202.csv: missing required column(s) OwnerId; name your header " \
        "for it in aliases.crm__opportunity or give every row a value in constants.crm__opportunity" in message
    assert "crm/opportunity/opportunity_20250203.csv: empty file (no header)" in message
    assert "crm/opportunity/opportunity_20250205.csv: duplicate column(s) in header: Name" in message
    result = err.value.result
    assert (result.files_seen, result.files_loaded, result.files_skipped, len(result.failed)) == (6, 1, 1, 4)
    assert rows(con, 'SELECT "Id", _load_id FROM raw.crm__opportunity ORDER BY 1') == [
        ("006A", "L1"),
        ("006Z", "L2"),
    ]
    assert rows(con, "SELECT source_file, status FROM raw._load_log WHERE load_id = 'L2' ORDER BY 1") == [
        ("crm/opportunity/opportunity_20250201.csv", "failed"),
        ("crm/opportunity/opportunity_20250202.csv", "failed"),
        ("crm/opportunity/opportunity_20250203.csv", "failed"),
        ("crm/opportunity/opportunity_20250204.csv", "loaded"),
        ("crm/opportunity/opportunity_20250205.csv", "failed"),
    ]
    assert rows(con, "SELECT count(*) FROM raw._quarantine") == [(0,)]


def test_bom_is_tolerated_and_extra_columns_are_kept_with_a_warning(landing: Path, con) -> None:
    content = "\ufeff" + f"{FX_HEADER},source_system\n2025-01,USD,7.1,2025-01-31T09:12:00Z,SAP\n"
    land(landing, "finance/fx_rate/fx_rate_20250131.csv", content)

    result = ingest_extract(con, FX, landing, "L1", AT)

    assert result.failed == [] and result.rows_loaded == 1
    assert result.warnings == [
        "finance/fx_rate/fx_rate_20250131.csv: column(s) not in the contract kept in _extra: source_system"
    ]
    assert rows(con, "SELECT _extra FROM raw.finance__fx_rate") == [('{"source_system":"SAP"}',)]
    assert rows(con, "SELECT rate_month, currency, _source_row FROM raw.finance__fx_rate") == [
        ("2025-01", "USD", 1)
    ]


def test_file_order_puts_sequence_10_after_2(landing: Path, con) -> None:
    for seq, month in ((10, "2025-03"), (2, "2025-02"), (None, "2025-01")):
        suffix = f"_{seq}" if seq else ""
        land(
            landing,
            f"finance/fx_rate/fx_rate_20250131{suffix}.csv",
            f"{FX_HEADER}\n{month},USD,7.1,2025-01-31T09:12:00Z\n",
        )

    ingest_extract(con, FX, landing, "L1", AT)

    assert rows(con, "SELECT rate_month, _file_order FROM raw.finance__fx_rate ORDER BY _file_order") == [
        ("2025-01", 20250131000),
        ("2025-02", 20250131002),
        ("2025-03", 20250131010),
    ]
    assert [r[0] for r in rows(con, "SELECT source_file FROM raw._load_log")] == [
        "finance/fx_rate/fx_rate_20250131.csv",
        "finance/fx_rate/fx_rate_20250131_2.csv",
        "finance/fx_rate/fx_rate_20250131_10.csv",
    ]


def test_parquet_is_accepted_with_row_numbers(landing: Path, con, tmp_path: Path) -> None:
    path = landing / "finance/fx_rate/fx_rate_20250131.parquet"
    path.parent.mkdir(parents=True)
    duckdb.connect().execute(
        f"""COPY (SELECT * FROM (VALUES
                ('2025-01', 'USD', 7.1, TIMESTAMPTZ '2025-01-31 09:12:00+00'),
                ('2025-01', 'EUR', -1.0, TIMESTAMPTZ '2025-01-31 09:12:00+00'),
                ('2025-01', '', 0.05, TIMESTAMPTZ '2025-01-31 09:12:00+00'),
                ('2025-02', 'USD', 7.2, TIMESTAMPTZ '2025-02-28 09:12:00+00'))
              AS t(rate_month, currency, rate_to_reporting, updated_at))
            TO '{path}' (FORMAT parquet)"""
    )

    result = ingest_extract(con, FX, landing, "L1", AT)

    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)
    assert rows(con, "SELECT rate_month, currency, updated_at, _source_row FROM raw.finance__fx_rate") == [
        ("2025-01", "USD", "2025-01-31T09:12:00.000000Z", 1),
        ("2025-02", "USD", "2025-02-28T09:12:00.000000Z", 4),
    ]
    assert rows(con, "SELECT source_row, reason FROM raw._quarantine ORDER BY 1") == [
        (2, "negative amount in rate_to_reporting: -1.00"),
        (3, "missing key currency"),
    ]


def test_a_crash_mid_file_leaves_nothing_half_loaded(landing: Path, con, monkeypatch) -> None:
    import dagster_project.ingest.load as load_module

    land(landing, "crm/opportunity/opportunity_20250131.csv", OPP_FILE + "\n")
    real_log_row = load_module._log_row

    def crash_on_loaded(*args: object) -> None:
        if "loaded" in args:
            raise RuntimeError("simulated crash after rows and quarantine were inserted")
        real_log_row(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(load_module, "_log_row", crash_on_loaded)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest_extract(con, OPP, landing, "L1", AT)
    for table in ("crm__opportunity", "_quarantine", "_load_log"):
        assert rows(con, f"SELECT count(*) FROM raw.{table}") == [(0,)]

    monkeypatch.setattr(load_module, "_log_row", real_log_row)
    result = ingest_extract(con, OPP, landing, "L2", AT)
    assert (result.rows_loaded, result.rows_quarantined) == (4, 8)


def test_the_checkpoint_threshold_is_raised_only_while_an_extract_loads(landing: Path, con) -> None:
    """Each file commits on its own; the checkpoint waits for the end of the extract (load._DEFERRED_CHECKPOINT), and
    the database's own threshold is back afterwards, also when a concurrent load left the raised one in place."""
    setting = "SELECT current_setting('checkpoint_threshold')"
    before = con.execute(setting).fetchone()
    land(landing, "crm/opportunity/opportunity_20250131.csv", OPP_FILE + "\n")
    ingest_extract(con, OPP, landing, "L1", AT)
    assert con.execute(setting).fetchone() == before
    con.execute("SET checkpoint_threshold = '64 GiB'")
    land(landing, "crm/opportunity/opportunity_20250228.csv", f"{OPP_HEADER}\n{OPP_GOOD.replace('006A', '006B')}\n")
    assert ingest_extract(con, OPP, landing, "L2", AT).files_loaded == 1
    assert con.execute(setting).fetchone() == ("16.0 MiB",)


@pytest.mark.unit
def test_the_scan_looks_for_exactly_the_bytes_the_control_check_rejects() -> None:
    """landing.CONTROL_BYTES (the file scan; standard library only, for the nothing-new check's imports) and
    sql.CONTROL_PATTERN (the per-value check it lets the load skip) are written twice: a byte in one and not the
    other would skip a check that should run."""
    import re

    from dagster_project.ingest.landing import CONTROL_BYTES
    from dagster_project.ingest.sql import CONTROL_PATTERN

    pattern = re.compile(CONTROL_PATTERN.encode())
    assert set(CONTROL_BYTES) == {b for b in range(256) if pattern.fullmatch(bytes([b]))}
