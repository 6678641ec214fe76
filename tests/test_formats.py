"""What real exports write, loaded by configuration alone: headers in any script, GB18030 and UTF-16 CSVs, Excel
workbooks and the date, amount and boolean forms of Chinese ERP/CRM systems, against real DuckDB files.

Every file is real bytes: `"商机".encode("gb18030")`, UTF-16 with its BOM, workbooks written by openpyxl.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.extracts import BY_NAME
from dagster_project.ingest import IngestError, ingest_extract
from dagster_project.ingest.header import HeaderProblem, normalize, resolve_header
from dagster_project.source_config import SourceConfigError, load_source_config

pytestmark = pytest.mark.unit

OPP = BY_NAME["crm__opportunity"]
EMP = BY_NAME["hr__employee"]
AT = datetime(2025, 2, 1, 6, 0, 0)
TZ = "Asia/Shanghai"

CN = {  # contract column -> the header a Chinese CRM export uses
    "Id": "商机编号", "OwnerId": "负责人", "StageName": "阶段", "Amount": "商机金额", "CurrencyIsoCode": "币种",
    "CloseDate": "预计成交日期", "CreatedDate": "创建时间", "IsClosed": "已关闭", "IsWon": "赢单",
    "SystemModstamp": "最后修改时间",
}
GOOD = {
    "Id": "006A", "OwnerId": "005A", "StageName": "Prospecting", "Amount": "1000", "CurrencyIsoCode": "CNY",
    "CloseDate": "2025-03-31", "CreatedDate": "2025-01-02T08:00:00Z", "IsClosed": "false", "IsWon": "false",
    "SystemModstamp": "2025-01-31T09:12:00Z",
}


def config_file(tmp_path: Path, text: str = "") -> Path:
    """A company source configuration: the Chinese aliases of CN, plus `text`."""
    aliases = "\n".join(f"    {c}: [{h}]" for c, h in CN.items())
    path = tmp_path / "company.yml"
    path.write_text(f"aliases:\n  crm__opportunity:\n{aliases}\n{text}", encoding="utf-8")
    return path


def csv_text(rows: list[dict[str, str]], extra: tuple[str, ...] = ("备注",)) -> str:
    """An opportunity CSV with Chinese headers (and the unrelated columns `extra`, left empty)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([*CN.values(), *extra])
    for r in rows:
        w.writerow([*({**GOOD, **r}[c] for c in CN), *("" for _ in extra)])
    return buf.getvalue()


def land(root: Path, rel: str, content: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    (tmp_path / "landing").mkdir()
    return tmp_path / "landing"


def load(con, landing: Path, cfg: Path, extract=OPP, load_id: str = "L1"):  # type: ignore[no-untyped-def]
    return ingest_extract(con, extract, landing, load_id, AT, config=load_source_config(cfg), timezone=TZ)


def q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# ------------------------------------------------------------------------------------------------ headers


def test_headers_match_in_any_script_and_full_width() -> None:
    assert normalize("商机 金额") == normalize("商机_金额") == normalize("商机金额") == "商机金额"
    assert normalize("ＡＭＯＵＮＴ") == normalize("Amount") == "amount"  # full-width letters fold by NFKC
    assert normalize("预计成交日期（含税）") == "预计成交日期含税"  # full-width brackets are punctuation
    assert normalize("Customer_Tier__c") == normalize("customer_tier_c") == "customertierc"
    assert normalize("Café") != normalize("Caf")  # letters outside ASCII are kept, not dropped
    assert normalize("#") == normalize("（）") == ""


def test_an_unrelated_chinese_column_is_never_mapped_silently(tmp_path: Path) -> None:
    """The issue's case: with `Amount: [商机金额]`, `备注` (remarks) was mapped to Amount (all CJK headers were '')."""
    config = load_source_config(config_file(tmp_path))
    hm = resolve_header(OPP, ["备注", *CN.values()], config)
    assert hm.mapped["Amount"] == "商机金额" and hm.source["Amount"] == "NULLIF(c4, '')"
    assert hm.extra == ["备注"]
    # without the alias Amount is simply absent: 备注 does not stand in for it
    config = load_source_config()
    hm = resolve_header(OPP, ["备注", "Id", "OwnerId", "StageName", "CurrencyIsoCode", "CloseDate", "CreatedDate",
                              "IsClosed", "IsWon", "SystemModstamp"], config)
    assert "Amount" in hm.missing_optional and hm.extra == ["备注"]


def test_two_columns_matching_one_name_nameless_headers_and_empty_aliases_are_errors(tmp_path: Path) -> None:
    config = load_source_config(config_file(tmp_path))
    with pytest.raises(HeaderProblem, match=r"^columns Amount and 商机金额 both match Amount \(by name or "
                                            r"aliases\.crm__opportunity\.Amount\)"):
        resolve_header(OPP, ["Amount", *CN.values()], config)
    with pytest.raises(HeaderProblem, match=r"^duplicate column\(s\) in header: 商机 金额, 商机金额$"):
        resolve_header(OPP, [*CN.values(), "商机 金额"], config)
    with pytest.raises(HeaderProblem, match=r"header without a name to match by: column 11 \('#'\), column 12 "):
        resolve_header(OPP, [*CN.values(), "#", ""], config)
    both = tmp_path / "both.yml"
    both.write_text("aliases:\n  crm__opportunity:\n    Name: [商机金额]\n    Amount: [商机金额]\n", encoding="utf-8")
    with pytest.raises(HeaderProblem, match=r"^column 商机金额 matches both Name and Amount \(by name or "
                                            r"aliases\.crm__opportunity\); change the alias$"):
        resolve_header(OPP, ["Id", "商机金额"], load_source_config(both))
    bad = config_file(tmp_path, "")
    bad.write_text("aliases:\n  crm__opportunity:\n    Amount: ['（）']\n", encoding="utf-8")
    with pytest.raises(HeaderProblem, match=r"alias '（）' for Amount has no letter or digit to match by; fix "
                                            r"aliases\.crm__opportunity\.Amount"):
        resolve_header(OPP, list(CN.values()), load_source_config(bad))


# ------------------------------------------------------------------------------------------------ encodings


def test_a_gb18030_csv_with_chinese_headers_loads_and_the_log_says_so(landing: Path, con, tmp_path: Path) -> None:
    content = csv_text([{"Id": "商机-1"}, {"Id": "商机-2", "Amount": "2500.5"}]).encode("gb18030")
    assert b"\xc9\xcc\xbb\xfa" in content  # "商机" in GB18030: not UTF-8
    land(landing, "crm/opportunity/opportunity_20250131.csv", content)
    result = load(con, landing, config_file(tmp_path))
    assert (result.rows_loaded, result.rows_quarantined, result.failed) == (2, 0, [])
    assert result.warnings == [
        "crm/opportunity/opportunity_20250131.csv: column(s) not in the contract kept in _extra: 备注"
    ]
    assert q(con, 'SELECT "Id", "Amount", _source_row FROM raw.crm__opportunity ORDER BY 1') == [
        ("商机-1", "1000", 1), ("商机-2", "2500.5", 2)
    ]
    assert q(con, "SELECT message FROM raw._load_log") == [
        ("2 rows loaded, 0 quarantined; column(s) not in the contract kept in _extra: 备注; read as GB18030",)
    ]
    # the hash is of the delivered bytes: the same bytes under another name are a re-delivery
    land(landing, "crm/opportunity/opportunity_20250201.csv", content)
    again = load(con, landing, config_file(tmp_path), load_id="L2")
    assert (again.files_loaded, again.files_skipped) == (0, 2)
    import hashlib

    assert q(con, "SELECT DISTINCT _source_sha256 FROM raw.crm__opportunity") == [
        (hashlib.sha256(content).hexdigest(),)
    ]


def test_utf16_and_utf8_bom_files_load(landing: Path, con, tmp_path: Path) -> None:
    land(landing, "crm/opportunity/opportunity_20250131.csv", csv_text([{"Id": "甲"}]).encode("utf-16"))
    land(landing, "crm/opportunity/opportunity_20250201.csv", csv_text([{"Id": "乙"}]).encode("utf-8-sig"))
    land(landing, "crm/opportunity/opportunity_20250202.csv", csv_text([{"Id": "丙"}]).encode("utf-8"))
    result = load(con, landing, config_file(tmp_path))
    assert (result.rows_loaded, result.failed) == (3, [])
    assert q(con, 'SELECT "Id", split_part(message, \'; \', 3) FROM raw.crm__opportunity JOIN raw._load_log '
                  "ON source_file = _source_file ORDER BY _file_order") == [
        ("甲", "read as UTF-16"), ("乙", "read as UTF-8 with BOM"), ("丙", "read as UTF-8")
    ]


@pytest.mark.parametrize("chunk", [8 << 20, 5], ids=["one-chunk", "5-byte-chunks"])
def test_a_file_in_no_accepted_encoding_fails_naming_the_offset_and_the_setting(
    landing: Path, con, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """With 5-byte chunks every two-byte character is split somewhere: the copy and the offset must not care."""
    from dagster_project.ingest import encoding

    monkeypatch.setattr(encoding, "_CHUNK", chunk)
    land(landing, "crm/opportunity/opportunity_20250101.csv", csv_text([{"Id": "ok"}]).encode("gb18030"))
    good = csv_text([{"Id": "X"}]).encode("gb18030")
    broken = good + b"006B,\x81\x20\n"  # 0x81 leads a GB18030 pair; a space cannot follow it
    land(landing, "crm/opportunity/opportunity_20250131.csv", broken)
    with pytest.raises(IngestError) as err:
        load(con, landing, config_file(tmp_path))
    offset = len(good) + 5
    assert (
        f"crm/opportunity/opportunity_20250131.csv: not valid UTF-8 (byte 0xc9 near offset 0) nor GB18030 "
        f"(byte 0x81 at offset {offset}); set file_formats.crm__opportunity.encoding in the source configuration"
    ) in str(err.value)
    # nothing of the broken file is loaded; the good one before it stays
    assert q(con, 'SELECT "Id" FROM raw.crm__opportunity') == [("ok",)]
    assert q(con, "SELECT status FROM raw._load_log ORDER BY source_file") == [("loaded",), ("failed",)]


def test_a_configured_encoding_replaces_detection(landing: Path, con, tmp_path: Path) -> None:
    # Windows-1252 `Müller` would pass as GB18030 (`M黮ler`): the configured encoding reads it right
    text = ",".join(GOOD) + "\n" + ",".join({**GOOD, "Id": "Müller"}.values()) + "\n"
    land(landing, "crm/opportunity/opportunity_20250131.csv", text.encode("cp1252"))
    cfg = config_file(tmp_path, "file_formats:\n  crm__opportunity: {encoding: windows-1252}\n")
    result = load(con, landing, cfg)
    assert result.rows_loaded == 1
    assert q(con, 'SELECT "Id" FROM raw.crm__opportunity') == [("Müller",)]
    assert q(con, "SELECT message FROM raw._load_log") == [
        ("1 rows loaded, 0 quarantined; read as cp1252 (configured)",)
    ]
    (tmp_path / "bad.yml").write_text("file_formats:\n  crm__opportunity: {encoding: klingon}\n")
    with pytest.raises(SourceConfigError, match=r"file_formats\.crm__opportunity\.encoding: unknown encoding"):
        load_source_config(tmp_path / "bad.yml")


# ------------------------------------------------------------------------------------------------ values


def test_dates_amounts_and_booleans_as_chinese_exports_write_them(landing: Path, con, tmp_path: Path) -> None:
    rows = [
        {"Id": "1", "CloseDate": "2024/1/5", "Amount": "12,345.60", "IsClosed": "是", "IsWon": "否"},
        {"Id": "2", "CloseDate": "2024年1月5日", "Amount": "￥1,200", "IsClosed": "Y", "IsWon": "n"},
        {"Id": "3", "CloseDate": "2024.1.5", "Amount": "¥ 3.5", "IsClosed": "TRUE", "IsWon": ""},
        {"Id": "4", "CloseDate": "2024-1-5 18:30", "Amount": "$7", "IsClosed": "", "IsWon": "1"},
        {"Id": "5", "CloseDate": "45296", "Amount": "１２３．５"},  # an Excel serial; full-width digits
        {"Id": "6", "CloseDate": "1704470400000"},  # epoch ms: 16:00 UTC is already Jan 6 in Shanghai
        {"Id": "7", "CreatedDate": "2017-07-17"},  # a date alone in a timestamp column: midnight company time
        {"Id": "8", "CreatedDate": "2024/1/5 10:30", "SystemModstamp": "1704470400123"},
        {"Id": "9", "Amount": "12,5"},  # not a thousands separator
        {"Id": "10", "Amount": "1,2345.00", "CloseDate": "2024/1-5", "IsClosed": "maybe"},
        {"Id": "11", "CloseDate": "2024/2/30", "CreatedDate": "2024年13月1日"},
    ]
    land(landing, "crm/opportunity/opportunity_20250131.csv", csv_text(rows).encode("gb18030"))
    load(con, landing, config_file(tmp_path))
    got = q(con, 'SELECT "Id", "CloseDate", "Amount", "IsClosed", "IsWon", "CreatedDate", "SystemModstamp" '
                 "FROM raw.crm__opportunity ORDER BY CAST(\"Id\" AS INT)")
    created, stamp = GOOD["CreatedDate"] , GOOD["SystemModstamp"]
    assert got == [
        ("1", "2024-01-05", "12345.60", "true", "false", created, stamp),
        ("2", "2024-01-05", "1200", "true", "false", created, stamp),
        ("3", "2024-01-05", "3.5", "TRUE", "false", created, stamp),
        ("4", "2024-01-05", "7", "false", "1", created, stamp),
        ("5", "2024-01-05", "123.5", "false", "false", created, stamp),
        ("6", "2024-01-06", "1000", "false", "false", created, stamp),
        ("7", "2025-03-31", "1000", "false", "false", "2017-07-16T16:00:00.000000Z", stamp),
        ("8", "2025-03-31", "1000", "false", "false", "2024-01-05T10:30:00.000000Z",
         "2024-01-05T16:00:00.123000Z"),
    ]
    assert q(con, "SELECT source_row, reason FROM raw._quarantine ORDER BY 1") == [
        (9, "unparsable number in Amount: 12,5"),
        (10, "unparsable number in Amount: 1,2345.00; unparsable date in CloseDate: 2024/1-5; "
             "unparsable boolean in IsClosed: maybe"),
        (11, "unparsable date in CloseDate: 2024/2/30; unparsable timestamp in CreatedDate: 2024年13月1日"),
    ]


def test_day_or_month_first_is_settled_per_column_never_per_row(landing: Path, con, tmp_path: Path) -> None:
    decided = [{"Id": "A1", "CloseDate": "14-02-2018"}, {"Id": "A2", "CloseDate": "03-04-2018"}]
    undecided = [{"Id": "B1", "CloseDate": "03-04-2018"}, {"Id": "B2", "CloseDate": "2018-05-06"}]
    conflict = [{"Id": "C1", "CloseDate": "14-02-2018"}, {"Id": "C2", "CloseDate": "02-14-2018"}]
    land(landing, "crm/opportunity/opportunity_20250101.csv", csv_text(decided).encode())
    land(landing, "crm/opportunity/opportunity_20250102.csv", csv_text(undecided).encode())
    land(landing, "crm/opportunity/opportunity_20250103.csv", csv_text(conflict).encode())
    load(con, landing, config_file(tmp_path))
    assert q(con, 'SELECT "Id", "CloseDate" FROM raw.crm__opportunity ORDER BY 1') == [
        ("A1", "2018-02-14"), ("A2", "2018-04-03"), ("B2", "2018-05-06")
    ]
    setting = "set file_formats.crm__opportunity.date_order"
    assert q(con, "SELECT split_part(source_file, '_', 2), reason FROM raw._quarantine ORDER BY 1, 2") == [
        ("20250102.csv", "ambiguous date in CloseDate: 03-04-2018 (day or month first? no value in the file has "
                         f"a field above 12; {setting} (day_first or month_first))"),
        ("20250103.csv", "ambiguous date in CloseDate: 02-14-2018 (the file has dates with the day first and "
                         f"others with the month first; {setting})"),
        ("20250103.csv", "ambiguous date in CloseDate: 14-02-2018 (the file has dates with the day first and "
                         f"others with the month first; {setting})"),
    ]
    # configured: the undecided file loads month first; a value against the configured order is unparsable
    con.execute("DELETE FROM raw._load_log; DELETE FROM raw._quarantine; DELETE FROM raw.crm__opportunity")
    cfg = config_file(tmp_path, "file_formats:\n  crm__opportunity: {date_order: {CloseDate: month_first}}\n")
    load(con, landing, cfg, load_id="L2")
    assert q(con, 'SELECT "Id", "CloseDate" FROM raw.crm__opportunity WHERE "Id" LIKE \'B%\' ORDER BY 1') == [
        ("B1", "2018-03-04"), ("B2", "2018-05-06")
    ]
    assert q(con, "SELECT reason FROM raw._quarantine ORDER BY 1") == [
        ("unparsable date in CloseDate: 14-02-2018",), ("unparsable date in CloseDate: 14-02-2018",)
    ]


# ------------------------------------------------------------------------------------------------ workbooks

EMP_HEADER = ["员工编号", "姓名", "团队", "职级", "入职日期", "离职日期", "月薪", "币种", "更新时间"]
EMP_ALIASES = {
    "employee_id": "员工编号", "full_name": "姓名", "team_id": "团队", "job_level": "职级", "hire_date": "入职日期",
    "termination_date": "离职日期", "base_monthly_salary": "月薪", "currency": "币种", "updated_at": "更新时间",
}


def emp_config(tmp_path: Path, formats: str = "") -> Path:
    path = tmp_path / "hr.yml"
    lines = "\n".join(f"    {c}: [{h}]" for c, h in EMP_ALIASES.items())
    path.write_text(f"aliases:\n  hr__employee:\n{lines}\n{formats}", encoding="utf-8")
    return path


def write_roster(path: Path, title_rows: int = 0, sheet: str = "花名册") -> None:
    """A DingTalk-style HR roster: an info sheet first, then the roster with title rows above its header."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["导出说明"])
    ws = wb.create_sheet(sheet)
    for i in range(title_rows):
        ws.append([f"员工花名册 第{i + 1}行标题"])
    ws.append(EMP_HEADER)
    ws.append(["E1", "张三", "T01", "Sales Rep", date(2020, 3, 1), None, 18000.5, "CNY", "2025-01-31T09:00:00Z"])
    ws.append([])  # an empty row is not a record
    ws.append(["E2", "李四", "T01", "Sales Manager", 43905, None, 32000, "CNY", datetime(2025, 1, 31, 9, 30)])
    ws.append(["E3", '=CONCAT("王", "五")', "T02", "Sales Rep", "2021/7/1", date(2024, 12, 31), 25000, "CNY",
               date(2025, 1, 31)])
    ws.append(["E4", "赵六", "T02", "Sales Rep", date(2022, 1, 1), None, 1, "CNY", "2025-01-31T09:00:00Z",
               "beyond the header"])
    wb.save(path)


def test_an_xlsx_roster_loads_from_its_configured_sheet_and_header_row(landing: Path, con, tmp_path: Path) -> None:
    path = landing / "hr/employee/employee_20250131.xlsx"
    path.parent.mkdir(parents=True)
    write_roster(path, title_rows=2)
    (path.parent / f"~${path.name}").write_bytes(b"\x0bWang Wei   ")  # Excel's lock file while the roster is open
    cfg = emp_config(tmp_path, "file_formats:\n  hr__employee: {sheet: 花名册, header_row: 3}\n")
    result = load(con, landing, cfg, extract=EMP)
    assert (result.files_loaded, result.rows_loaded, result.rows_quarantined) == (1, 3, 1)
    assert q(con, "SELECT employee_id, full_name, hire_date, termination_date, base_monthly_salary, updated_at, "
                  "_source_row FROM raw.hr__employee ORDER BY 1") == [
        ("E1", "张三", "2020-03-01", None, "18000.5", "2025-01-31T09:00:00Z", 4),
        # 43905 is an Excel serial day number (2020-03-15); a date-time cell without zone is UTC
        ("E2", "李四", "2020-03-15", None, "32000", "2025-01-31 09:30:00Z", 6),
        # a formula openpyxl wrote has no computed value: an empty name, never the text `=CONCAT(...)`; a date cell
        # alone in a timestamp column is midnight company time
        ("E3", None, "2021-07-01", "2024-12-31", "25000", "2025-01-30T16:00:00.000000Z", 7),
    ]
    assert q(con, "SELECT source_row, reason, raw_text FROM raw._quarantine ORDER BY 1") == [
        (8, "wrong column count: expected 9 fields",
         "E4,赵六,T02,Sales Rep,2022-01-01,,1,CNY,2025-01-31T09:00:00Z,beyond the header"),
    ]
    assert q(con, "SELECT message FROM raw._load_log") == [
        ("3 rows loaded, 1 quarantined; read from sheet '花名册', header in row 3",)
    ]


def test_the_first_sheet_is_the_default_and_a_missing_sheet_names_the_setting(
    landing: Path, con, tmp_path: Path
) -> None:
    path = landing / "hr/employee/employee_20250131.xlsx"
    path.parent.mkdir(parents=True)
    write_roster(path)
    with pytest.raises(IngestError, match=r"employee_20250131\.xlsx: missing required column\(s\) employee_id"):
        load(con, landing, emp_config(tmp_path), extract=EMP)  # the first sheet is the info sheet
    cfg = emp_config(tmp_path, "file_formats:\n  hr__employee: {sheet: Roster}\n")
    with pytest.raises(IngestError, match=r"no sheet 'Roster' \(sheets: 说明, 花名册\); fix "
                                          r"file_formats\.hr__employee\.sheet"):
        load(con, landing, cfg, extract=EMP, load_id="L2")


def test_a_legacy_xls_workbook_loads(landing: Path, con, tmp_path: Path) -> None:
    """tests/fixtures/hr_roster_legacy.xls is a real BIFF8 workbook (written once with xlwt 1.3.0, date cells
    formatted YYYY-MM-DD): no maintained library writes .xls any more, python-calamine still reads it."""
    fixture = Path(__file__).parent / "fixtures" / "hr_roster_legacy.xls"
    land(landing, "hr/employee/employee_20250131.xls", fixture.read_bytes())
    result = load(con, landing, emp_config(tmp_path, "file_formats:\n  hr__employee: {sheet: 花名册}\n"), extract=EMP)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    assert q(con, "SELECT employee_id, full_name, hire_date, termination_date, base_monthly_salary, _source_row "
                  "FROM raw.hr__employee ORDER BY 1") == [
        ("E1", "张三", "2020-03-01", None, "18000.5", 2),
        ("E2", "李四", "2019-07-15", "2024-12-31", "32000", 3),
    ]


def test_sheet_rows_count_from_the_top_of_the_sheet_when_it_starts_lower(landing: Path, con, tmp_path: Path) -> None:
    """A sheet whose first two rows are empty (its used range starts at row 3, column B): the header is still row 3
    and the data rows keep their sheet numbers, as Excel shows them."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for j, h in enumerate(EMP_HEADER, start=2):
        ws.cell(row=3, column=j, value=h)
    for i, emp in enumerate(("E1", "E2"), start=4):
        for j, v in enumerate([emp, "某", "T01", "Sales Rep", date(2020, 3, 1), None, 100, "CNY",
                               "2025-01-31T09:00:00Z"], start=2):
            ws.cell(row=i, column=j, value=v)
    path = landing / "hr/employee/employee_20250131.xlsx"
    path.parent.mkdir(parents=True)
    wb.save(path)
    load(con, landing, emp_config(tmp_path, "file_formats:\n  hr__employee: {header_row: 3}\n"), extract=EMP)
    assert q(con, "SELECT employee_id, _source_row FROM raw.hr__employee ORDER BY 1") == [("E1", 4), ("E2", 5)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("crm__oportunity: {encoding: gbk}", r"file_formats\.crm__oportunity: no such extract"),
        ("hr__employee: {header_row: 0}", r"file_formats\.hr__employee\.header_row: a sheet row number"),
        ("hr__employee: {sheets: x}", r"file_formats\.hr__employee: settings are encoding, sheet, header_row"),
        ("hr__employee: {date_order: sideways}", r"date_order: day_first or month_first"),
        ("hr__employee: {date_order: {full_name: day_first}}", r"full_name is not a date or timestamp column"),
    ],
)
def test_file_format_settings_are_checked(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(f"file_formats:\n  {text}\n", encoding="utf-8")
    with pytest.raises(SourceConfigError, match=message):
        load_source_config(path)
    ok = tmp_path / "ok.yml"
    ok.write_text("file_formats:\n  hr__employee: {encoding: GBK, date_order: day_first}\n", encoding="utf-8")
    fmt = load_source_config(ok).file_format("hr__employee")
    assert fmt.encoding == "gbk" and fmt.date_order == {"hire_date": "day_first", "termination_date": "day_first",
                                                        "updated_at": "day_first"}
