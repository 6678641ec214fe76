"""Issue #23, rows 5, 12 and 16 at the door: hostile bytes, ids and links in a landing folder are quarantined
or refused at ingest, naming the file, the row, the column and the reason."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from dagster_project.extracts import BY_NAME
from dagster_project.ingest import IngestError, ingest_extract
from dagster_project.ingest.landing import ALLOWED_ROOTS_ENV
from tests.test_ingest import OPP, OPP_GOOD, OPP_HEADER, land

pytestmark = pytest.mark.unit

HR = BY_NAME["hr__employee"]
AT = datetime(2025, 2, 1, 6, 0, 0)
HR_HEADER = ("employee_id,crm_user_id,full_name,email,team_id,team_name,region,manager_employee_id,job_level,"
             "hire_date,termination_date,base_monthly_salary,currency,is_deleted,updated_at")


def _hr_row(employee_id: str, team_id: str, manager: str = "E0002") -> str:
    return (f"{employee_id},005A,Ma Xiu,x@example.com,{team_id},Shanghai Sales,East,{manager},Sales Rep,2015-04-01,,"
            "13400.00,CNY,false,2015-04-01T01:06:16Z")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    root.mkdir()
    return root


def test_row_12_a_nul_or_control_byte_is_quarantined_with_file_row_and_column(landing: Path, con) -> None:
    good = OPP_GOOD
    nul = OPP_GOOD.replace("006A", "006B").replace("Deal A", "Deal\x00B")
    bell = OPP_GOOD.replace("006A", "006C").replace("Deal A", "Deal\x07C")
    tab = OPP_GOOD.replace("006A", "006D").replace("Deal A", "Deal\tD")  # a tab is text, not a control problem
    land(landing, "crm/opportunity/opportunity_20250131.csv", "\n".join([OPP_HEADER, good, nul, bell, tab]) + "\n")
    result = ingest_extract(con, OPP, landing, "L1", AT)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)
    reason = "control character in Name (NUL or a byte below 0x20): remove it from the export"
    assert con.execute("select source_file, source_row, reason from raw._quarantine order by 2").fetchall() == [
        ("crm/opportunity/opportunity_20250131.csv", 2, reason),  # data rows, the header not counted
        ("crm/opportunity/opportunity_20250131.csv", 3, reason),
    ]
    assert con.execute("select count(*) from raw.crm__opportunity where Name like '%' || chr(0) || '%'"
                       ).fetchone() == (0,)


@pytest.mark.parametrize(("team_id", "employee_id", "column", "value"), [
    ("../../../../PWNED_team", "E0001", "team_id", "../../../../PWNED_team"),
    ("T01", "=HYPERLINK(1)", "employee_id", "=HYPERLINK(1)"),
    ("T01", "-E0001", "employee_id", "-E0001"),
    ("T/01", "E0001", "team_id", "T/01"),
    ("..", "E0001", "team_id", ".."),
    ("T01", "销" * 65, "employee_id", "销" * 65),  # 65 characters: one over the limit (counted in characters)
])
def test_row_05_an_id_that_would_name_a_file_badly_is_quarantined(
    landing: Path, con, team_id: str, employee_id: str, column: str, value: str
) -> None:
    land(landing, "hr/employee/employee_20250131.csv",
         "\n".join([HR_HEADER, _hr_row("E0003", "T02"), _hr_row(employee_id, team_id)]) + "\n")
    result = ingest_extract(con, HR, landing, "L1", AT)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert con.execute("select source_row, reason from raw._quarantine").fetchall() == [
        (2, f"unsafe id in {column}: {value} (ids name files: letters, digits, _ . - only, at most 64)")]


def test_row_05_ordinary_ids_pass(landing: Path, con) -> None:
    land(landing, "hr/employee/employee_20250131.csv",
         "\n".join([HR_HEADER, _hr_row("E0003", "T02"), _hr_row("emp_7.b-2", "华东-north_1", "销售0001"),
                    _hr_row("销" * 64, "T02")]) + "\n")  # 64 characters (192 bytes): at the limit
    assert ingest_extract(con, HR, landing, "L1", AT).rows_quarantined == 0


def test_row_16_a_symlink_to_a_file_outside_the_landing_folder_is_refused(
    landing: Path, con, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere" / "secret.csv"
    outside.parent.mkdir()
    outside.write_text(OPP_HEADER + "\n" + OPP_GOOD + "\n")
    link = landing / "crm" / "opportunity" / "opportunity_20250131.csv"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    with pytest.raises(IngestError, match=rf"opportunity_20250131\.csv: a symlink to {outside}, outside the landing"):
        ingest_extract(con, OPP, landing, "L1", AT)
    assert con.execute("select count(*) from raw.crm__opportunity").fetchone() == (0,)


def test_row_16_a_symlinked_folder_outside_the_landing_folder_is_refused(
    landing: Path, con, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    land(outside, "opportunity_20250131.csv", OPP_HEADER + "\n" + OPP_GOOD + "\n")
    (landing / "crm").mkdir()
    (landing / "crm" / "opportunity").symlink_to(outside, target_is_directory=True)
    with pytest.raises(IngestError, match="outside the landing folder"):
        ingest_extract(con, OPP, landing, "L1", AT)


def test_row_16_an_allowed_or_inside_link_loads_and_lineage_names_the_real_file(
    landing: Path, con, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared_drive"
    real = land(shared, "opp.csv", OPP_HEADER + "\n" + OPP_GOOD + "\n")
    inside = land(landing, "archive/opp_copy.csv", OPP_HEADER + "\n" + OPP_GOOD.replace("006A", "006Z") + "\n")
    folder = landing / "crm" / "opportunity"
    folder.mkdir(parents=True)
    (folder / "opportunity_20250131.csv").symlink_to(real)
    (folder / "opportunity_20250201.csv").symlink_to(inside)
    monkeypatch.setenv(ALLOWED_ROOTS_ENV, os.pathsep.join([str(shared)]))
    with pytest.raises(IngestError):  # archive/ is no extract folder, but the link's target is read, not listed
        from dagster_project.ingest import discover

        discover(landing)
    result = ingest_extract(con, OPP, landing, "L1", AT)
    assert result.rows_loaded == 2
    lineage = {r[0] for r in con.execute("select distinct _source_file from raw.crm__opportunity").fetchall()}
    assert lineage == {"archive/opp_copy.csv", real.resolve().as_posix()}  # the files read, not the links


def test_the_control_check_is_left_out_only_where_no_value_can_hold_a_control_character(tmp_path: Path) -> None:
    """The per-value control check is skipped for a file the hashing pass found no control byte in, except for a
    column the configuration fills with a constant: its text is not in the file."""
    from dagster_project.ingest.header import HeaderMap
    from dagster_project.ingest.landing import scan_file
    from dagster_project.ingest.load import _control_free

    clean, dirty = tmp_path / "clean.csv", tmp_path / "dirty.csv"
    clean.write_bytes("Id,Name\r\n006A,\"Deal\tA 销售\"\r\n".encode())
    dirty.write_bytes(b"Id,Name\n006A,Deal\x1bA\n")
    assert scan_file(clean, text=True).control_bytes is False
    assert scan_file(dirty, text=True).control_bytes is True
    assert scan_file(clean, text=False).control_bytes is True  # not looked for: a workbook's cells are not bytes
    hm = HeaderMap(source={"Id": "NULLIF(c0, '')", "Name": "NULLIF(c1, '')", "StageName": "'Won\x07'"})
    free = _control_free(OPP, hm, control=False)
    assert {"Id", "Name"} <= free and "StageName" not in free
    assert _control_free(OPP, hm, control=True) == frozenset()
