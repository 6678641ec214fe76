"""Issue #23, rows 4, 5, 13 and 17: text from people's files stays data in every file the project writes -
never a spreadsheet formula, a path out of its folder, the end of a script element, or a page 70,000 px wide."""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from dagster_project.dashboard import DashboardError, write_dashboard
from dagster_project.dashboard.render import UnsafePathError, inside, script_safe_json
from dagster_project.pay import export
from tests.conftest import BuiltWarehouse

HOSTILE_IDS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1"]


def _record(employee_id: str, team_id: str, amount: Decimal) -> dict[str, object]:
    record: dict[str, object] = {c: None for c in export.COLUMNS}
    record.update(employee_id=employee_id, month="2025-11", team_id=team_id, job_level="P5", line="total_pay",
                  amount=amount, currency="CNY", reason="=1+1 bonus", policy_version="v1", days_employed=30,
                  days_in_month=30)
    return record


@pytest.mark.unit
@pytest.mark.parametrize("hostile", HOSTILE_IDS)
def test_row_04_ids_starting_a_formula_stay_text_in_the_csv_and_the_xlsx(tmp_path: Path, hostile: str) -> None:
    records = [_record(hostile, "@team", Decimal("-12.50"))]
    export._write_csv(tmp_path / "s.csv", records)
    export._write_xlsx(tmp_path / "s.xlsx", records, dt.date(2025, 11, 1))
    with (tmp_path / "s.csv").open(encoding="utf-8-sig", newline="") as handle:
        header, row = list(csv.reader(handle))
    values = dict(zip(header, row, strict=True))
    assert values["employee_id"] == "'" + hostile
    assert values["team_id"] == "'@team" and values["reason"] == "'=1+1 bonus"
    assert values["amount"] == "-12.50"  # a real negative number stays a number
    sheet = openpyxl.load_workbook(tmp_path / "s.xlsx").active
    cells = {sheet.cell(1, c).value: sheet.cell(2, c) for c in range(1, sheet.max_column + 1)}
    for column in ("employee_id", "team_id", "reason"):
        assert cells[column].data_type == "s", column  # text, not a formula cell
        assert cells[column].quotePrefix, column
    assert cells["employee_id"].value == hostile.replace("\r", "\n")  # XML reads a CR as a line end
    assert cells["amount"].data_type == "n" and cells["amount"].value == -12.5


@pytest.mark.unit
def test_row_04_the_xlsx_holds_no_formula_element(tmp_path: Path) -> None:
    import zipfile

    export._write_xlsx(tmp_path / "s.xlsx", [_record(h, h, Decimal("1")) for h in HOSTILE_IDS],
                       dt.date(2025, 11, 1))
    sheet_xml = zipfile.ZipFile(tmp_path / "s.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


@pytest.mark.unit
@pytest.mark.parametrize("name", ["../../../../PWNED_team.html", "../x.html", "a/b.html", "..", "", "."])
def test_row_05_a_page_name_that_would_leave_its_folder_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsafePathError, match="would leave"):
        inside(tmp_path / "teams", name)
    assert inside(tmp_path / "teams", "T01.html") == tmp_path / "teams" / "T01.html"


def _hostile_copy(built: BuiltWarehouse, folder: Path, statements: list[str]) -> Path:
    copy = built.copy_to(folder).warehouse
    con = duckdb.connect(str(copy))
    for statement in statements:
        con.execute(statement)
    con.close()
    return copy


@pytest.mark.integration
def test_row_05_a_team_id_with_dots_and_slashes_writes_nothing_outside_the_dashboard(
    built_warehouse: BuiltWarehouse, month: str, tmp_path: Path
) -> None:
    con = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    team = con.execute("select min(team_id) from marts.mart_team_monthly_kpis").fetchone()[0]
    tables = [r[0] for r in con.execute("select table_name from information_schema.columns where table_schema ="
                                        " 'marts' and column_name = 'team_id' and table_name in (select table_name"
                                        " from information_schema.tables where table_type = 'BASE TABLE')").fetchall()]
    con.close()
    copy = _hostile_copy(built_warehouse, tmp_path / "w", [
        f"update marts.{t} set team_id = '../../../../PWNED_team' where team_id = '{team}'" for t in tables])
    out = tmp_path / "deep" / "er" / "dash"
    with pytest.raises(DashboardError, match=r"refusing to write '\.\./\.\./\.\./\.\./PWNED_team\.html'"):
        write_dashboard(copy, month, out)
    assert not list(tmp_path.rglob("PWNED_team.html"))


@pytest.mark.unit
def test_row_13_the_page_json_escapes_every_angle_bracket_and_ampersand() -> None:
    payload = {"name": "<!--<script>alert(1)</script>", "also": "a & b > c", "sep": "\u2028"}
    text = script_safe_json(payload)
    assert not set("<>&\u2028") & set(text)
    assert "\\u003c!--\\u003cscript\\u003e" in text
    assert json.loads(text) == payload


LONG_NAME = "长" * 2_000 + "x" * 8_000


@pytest.mark.integration
def test_row_13_and_17_a_hostile_or_very_long_rep_name_is_data_in_the_dashboard(
    built_warehouse: BuiltWarehouse, month: str, tmp_path: Path
) -> None:
    con = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    first, second = [r[0] for r in con.execute(
        "select employee_id from marts.mart_rep_monthly_kpis where month = ? order by bookings desc limit 2",
        [f"{month}-01"]).fetchall()]
    con.close()
    copy = _hostile_copy(built_warehouse, tmp_path / "w", [
        f"update marts.dim_sales_rep set full_name = '<!--<script>' where employee_id = '{first}'",
        f"update marts.dim_sales_rep set full_name = '{LONG_NAME}' where employee_id = '{second}'",
    ])
    index = write_dashboard(copy, month, tmp_path / "dash")
    page = index.read_text(encoding="utf-8")
    figures = re.search(r'<script type="application/json" id="figures">(.*?)</script>', page, re.S)
    assert figures is not None
    assert "<" not in figures.group(1)  # the data cannot open a comment or a script inside the element
    assert '"full_name": "\\u003c!--\\u003cscript\\u003e"' in figures.group(1)
    assert json.loads(figures.group(1))["tables"]["reps"][0]["full_name"] == "<!--<script>"
    # the page's own script is the last script element and is intact
    assert page.count("<script") == 2 and page.rstrip().endswith("</html>")
    # row 17: every place the long name shows is a width-limited, ellipsized span holding the whole name as tooltip
    shown = [m.start() for m in re.finditer(re.escape(LONG_NAME), page)]
    spans = re.findall(r'<span class="name" title="([^"]*)">([^<]*)</span>', page)
    long_spans = [(t, v) for t, v in spans if v == LONG_NAME]
    assert long_spans and all(t == LONG_NAME for t, _ in long_spans)
    in_json = page[figures.start(1):figures.end(1)].count(LONG_NAME)
    assert len(shown) == 2 * len(long_spans) + in_json  # in a span: once as text, once as its title
    css = re.search(r"\.name \{([^}]*)\}", page)
    assert css is not None
    rule = " ".join(css.group(1).split())
    for declaration in ("max-width: 24em", "overflow: hidden", "text-overflow: ellipsis", "white-space: nowrap"):
        assert declaration in rule
    assert html.escape("<!--<script>") in page  # shown as text in the table


@pytest.mark.integration
def test_row_17_a_10000_character_name_keeps_the_page_narrow_in_chromium(
    built_warehouse: BuiltWarehouse, month: str, tmp_path: Path
) -> None:
    """Measured where a browser exists (CI installs chromium; SPM_REQUIRE_BROWSER makes its absence a failure):
    the page with the long name is no wider than the window, where it was 70,169 px."""
    import os

    from tests.test_dashboard import CHROMIUM, _chromium

    if CHROMIUM is None:
        if os.environ.get("SPM_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed; the markup and CSS rule are checked without it above")
    con = duckdb.connect(str(built_warehouse.warehouse), read_only=True)
    (employee,) = con.execute(
        "select employee_id from marts.mart_rep_monthly_kpis where month = ? order by bookings desc limit 1",
        [f"{month}-01"]).fetchone()
    con.close()
    copy = _hostile_copy(built_warehouse, tmp_path / "w", [
        f"update marts.dim_sales_rep set full_name = '{LONG_NAME}' where employee_id = '{employee}'"])
    index = write_dashboard(copy, month, tmp_path / "dash")
    measured = index.with_name("measured.html")
    measured.write_text(index.read_text(encoding="utf-8").replace(
        "</body>", '<script>window.addEventListener("load", function () {'
        ' document.body.dataset.scrollWidth = String(document.documentElement.scrollWidth); });</script></body>'),
        encoding="utf-8")
    dom, _, _ = _chromium(measured.as_uri(), tmp_path, "--window-size=1400,2400", "--dump-dom")
    width = int(re.search(r'data-scroll-width="(\d+)"', dom).group(1))
    assert width <= 1400, width
