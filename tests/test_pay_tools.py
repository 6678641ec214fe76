"""Pay statement tools and money rounding without a full build: a hand-made warehouse with one statement.

R1's June 2025 statement is the hand-worked example of the dbt unit tests: base 10000.25 for 15 of 30 days =
5000.125 -> 5000.13 (half away from zero), V = 4000.10, 120% attainment -> 1920.05 / 2600.07 / 400.01, a clawback
of -1200.00, total 8720.26.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.pay import StatementNotFoundError, explain_pay, export_statements, parse_month
from dagster_project.pay.common import LINES

pytestmark = pytest.mark.unit


STATEMENT_DDL = """
create table marts.mart_pay_statement (
    employee_id varchar, month date, line varchar, line_order integer, amount decimal(18,2), reason varchar,
    line_share decimal(9,4), line_basis varchar, line_factor decimal(38,10), policy_version varchar,
    team_id varchar, job_level varchar, hire_date date, termination_date date, first_day_employed date,
    last_day_employed date, is_employed boolean, statement_window_start date, statement_window_end date,
    salary_version_no integer, base_salary_full decimal(18,2), days_employed integer, days_in_month integer,
    variable_ratio decimal(9,4), base_salary_exact decimal(38,10), target_variable_pay decimal(38,10),
    bookings decimal(38,8), revenue_target decimal(18,2), attainment decimal(38,10), payout_tier varchar,
    payout_factor decimal(38,10), new_customers_weighted decimal(18,4), new_customers_target decimal(18,2),
    receivable_due decimal(38,8), collected decimal(38,8), collection_rate double, collection_target double,
    attainment_score double, new_customers_score double, collection_score double, left_out_components varchar,
    quantitative_score decimal(38,10), quantitative_factor decimal(38,10), qualitative_score decimal(38,10),
    capability_factor decimal(38,10), csat_score decimal(38,10), csat_bonus_threshold decimal(9,2),
    evaluation_quarter varchar, evaluation_version integer, clawback_events integer,
    clawback_original_months varchar, clawback_detail varchar, lineage_rows integer)
"""
LINEAGE_DDL = """
create table marts.audit_payout_lineage (
    employee_id varchar, month date, line varchar, source_table varchar, source_id varchar, source_file varchar,
    source_sha256 varchar, source_row bigint, input_roles varchar)
"""
AMOUNTS = {
    "base_salary": "5000.13",
    "base_performance_pay": "1920.05",
    "performance_bonus": "2600.07",
    "capability_bonus": "400.01",
    "csat_bonus": "0.00",
    "clawback": "-1200.00",
    "total_pay": "8720.26",
}
SHARES = {
    "base_performance_pay": ("0.40", "target_variable_pay", "1.2"),
    "performance_bonus": ("0.50", "target_variable_pay", "1.3"),
    "capability_bonus": ("0.10", "target_variable_pay", "1.0"),
    "csat_bonus": ("0.05", "base_salary", "0"),
}
CLAWBACK = "2025-02-01: bookings 120000.00 - removed 30000.00 = 90000.00 (events CRN-1); bonus 3900.00 -> 2700.00"
REASONS = {"capability_bonus": "no_published_quarter", "csat_bonus": "no_published_quarter"}


def make_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(STATEMENT_DDL)
    con.execute(LINEAGE_DDL)
    for employee_id in ("R1", "R2"):
        for order, line in enumerate(LINES, start=1):
            share, basis, factor = SHARES.get(line, (None, None, None))
            con.execute(
                """insert into marts.mart_pay_statement (employee_id, month, line, line_order, amount, reason,
                       line_share, line_basis, line_factor, policy_version, team_id, job_level, hire_date,
                       first_day_employed, last_day_employed, is_employed, salary_version_no, base_salary_full,
                       days_employed, days_in_month, variable_ratio, base_salary_exact, target_variable_pay,
                       bookings, revenue_target, attainment, payout_tier, payout_factor, attainment_score,
                       left_out_components, quantitative_score, quantitative_factor, capability_factor,
                       csat_bonus_threshold, clawback_events, clawback_original_months, clawback_detail,
                       lineage_rows)
                   values (?, date '2025-06-01', ?, ?, ?, ?, ?, ?, ?, '2025.1', 'T1', 'Senior Sales Rep',
                       date '2025-06-16', date '2025-06-16', date '2025-06-30', true, 1, 10000.25, 15, 30, 0.8,
                       5000.125, 4000.1, 120000, 100000, 1.2, 'accelerated', 1.3, 120,
                       'collection,new_customers', 120, 1.2, 1.0, 90, 1, '2025-02-01', ?, 1)""",
                [employee_id, line, order, Decimal(AMOUNTS[line]), REASONS.get(line), share, basis, factor, CLAWBACK],
            )
            con.execute(
                "insert into marts.audit_payout_lineage values (?, date '2025-06-01', ?, 'hr__employee', ?, "
                "'hr/employee/employee_20250630.csv', 'abcdef0123456789', 7, 'salary_version')",
                [employee_id, line, f"{employee_id}|2025-06-16 00:00:00"],
            )
    con.execute(
        "insert into marts.audit_payout_lineage values ('R1', date '2025-06-01', 'clawback', "
        "'finance__invoice', 'CRN-1', 'finance/invoice/invoice_20250630.csv', 'ffff', 3, 'clawback_credit_note')"
    )
    # The pay mix policy (dbt seed) the explanation reads its factor cap from: 1.2 until May, 1.5 from June.
    con.execute("create schema config")
    con.execute("create table config.policy_pay_mix (score_cap_ratio decimal(9,4), effective_from date, "
                "effective_to date)")
    con.execute("insert into config.policy_pay_mix values (1.2, '2000-01-01', '2025-05-31'), "
                "(1.5, '2025-06-01', '9999-12-31')")
    con.close()
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "wh.duckdb")


# --- rounding --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("2.345", "2.35"),
        ("-2.345", "-2.35"),
        ("2.335", "2.34"),
        ("5000.125", "5000.13"),
        ("2600.065", "2600.07"),
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),
        ("1.2349999999", "1.23"),
        ("2.675", "2.68"),
    ],
)
def test_duckdb_rounds_decimal_half_away_from_zero(value: str, rounded: str) -> None:
    """pay_round (dbt/macros/pay.sql) is cast(round(cast(x as decimal(38,10)), 2) as decimal(18,2))."""
    got = duckdb.sql(f"select cast(round(cast({value} as decimal(38, 10)), 2) as decimal(18, 2))").fetchall()[0][0]
    assert got == Decimal(rounded)


def test_line_rounding_differs_from_rounding_the_total() -> None:
    exact = [Decimal("5000.125"), Decimal("1920.048"), Decimal("2600.065"), Decimal("400.01"), Decimal("0")]
    lines = duckdb.sql(
        "select " + ", ".join(f"cast(round(cast({x} as decimal(38, 10)), 2) as decimal(18, 2))" for x in exact)
    ).fetchall()[0]
    assert sum(lines) == Decimal("9920.26")
    assert round(sum(exact), 2) == Decimal("9920.25")


# --- months ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["2025-06", "2025-06-01", " 2025-06 "])
def test_parse_month_accepts_month_forms(text: str) -> None:
    assert parse_month(text) == date(2025, 6, 1)


@pytest.mark.parametrize("text", ["2025-13", "June 2025", "2025-06-15", "25-06"])
def test_parse_month_rejects_other_text(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(text)


# --- explain ---------------------------------------------------------------------------------------------------
def test_explain_derives_every_line(warehouse: Path) -> None:
    text = explain_pay(warehouse, "R1", "2025-06")
    assert text.startswith("Pay statement of R1 for 2025-06 (draft, not published; policy 2025.1")
    assert "15 of 30 days" in text
    assert "10,000.25 x 15 / 30 days = 5000.125" in text
    assert "attainment 120.00% -> tier accelerated, payout factor 1.3" in text
    for line, amount in AMOUNTS.items():
        assert f"  {line:<20} {Decimal(amount):>14,.2f}" in text, line
    assert "0.5 x V 4000.1 x payout factor 1.3" in text
    assert "factor clamp(score / 100, 0, 1.5) = 1.2" in text  # the cap of the policy in force in June
    assert "no_published_quarter: no published quarter before the month yet: new-hire default" in text
    assert "bonus 3900.00 -> 2700.00" in text
    assert "finance__invoice" in text and "CRN-1" in text and "row 3" in text
    assert "total_pay (2 rows)" not in text  # total_pay is summarised per extract
    assert "the union of the rows above: hr__employee 1" in text


def test_explain_names_employee_and_month_when_absent(warehouse: Path) -> None:
    with pytest.raises(StatementNotFoundError, match=r"employee R1 in 2025-07.*from 2025-06 to 2025-06"):
        explain_pay(warehouse, "R1", "2025-07")
    with pytest.raises(StatementNotFoundError, match=r"employee NOPE in 2025-06.*no statement at all"):
        explain_pay(warehouse, "NOPE", "2025-06")


def test_explain_reports_a_missing_warehouse_or_mart(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        explain_pay(tmp_path / "nothing.duckdb", "R1", "2025-06")
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(FileNotFoundError, match="mart_pay_statement"):
        explain_pay(empty, "R1", "2025-06")


def test_explain_releases_the_file(warehouse: Path) -> None:
    explain_pay(warehouse, "R1", "2025-06")
    con = duckdb.connect(str(warehouse))  # a writer can open it again (docs/pitfalls.md 7)
    con.close()


# --- export ----------------------------------------------------------------------------------------------------
def test_export_writes_csv_xlsx_and_html_per_rep(warehouse: Path, tmp_path: Path) -> None:
    paths = export_statements(warehouse, "2025-06", tmp_path / "out")
    assert [p.name for p in paths] == [
        "pay_statement_2025-06_R1.csv",
        "pay_statement_2025-06_R1.html",
        "pay_statement_2025-06_R1.xlsx",
        "pay_statement_2025-06_R2.csv",
        "pay_statement_2025-06_R2.html",
        "pay_statement_2025-06_R2.xlsx",
    ]
    paths = [p for p in paths if p.suffix != ".html"]
    rows = list(csv.DictReader(io.StringIO(paths[0].read_text(encoding="utf-8-sig"))))
    assert [r["line"] for r in rows] == list(LINES)
    assert [r["amount"] for r in rows] == list(AMOUNTS.values())
    assert {r["currency"] for r in rows} == {"CNY"} and {r["month"] for r in rows} == {"2025-06"}
    sheet = pd.read_excel(paths[1])
    assert list(sheet["line"]) == list(LINES)
    assert [Decimal(str(a)).quantize(Decimal("0.01")) for a in sheet["amount"]] == [
        Decimal(a) for a in AMOUNTS.values()
    ]


def test_export_csvs_start_with_a_utf8_byte_order_mark(warehouse: Path, tmp_path: Path) -> None:
    """Issue #25: without the BOM, Excel on a Chinese Windows reads the CSV as GBK and garbles Chinese text."""
    csvs = [p for p in export_statements(warehouse, "2025-06", tmp_path / "out") if p.suffix == ".csv"]
    assert len(csvs) == 2
    for path in csvs:
        data = path.read_bytes()
        assert data[:3] == b"\xef\xbb\xbf", path.name
        assert data[3:].startswith(b"employee_id,month,"), path.name  # one BOM, then the header
        assert b"\xef\xbb\xbf" not in data[3:], path.name


def test_export_xlsx_keeps_numbers_as_numbers_with_a_display_format(warehouse: Path, tmp_path: Path) -> None:
    """Issue #25: every figure is a numeric cell (a clerk can sum it) with its display format; text stays text."""
    import openpyxl

    xlsx = next(p for p in export_statements(warehouse, "2025-06", tmp_path / "out") if p.suffix == ".xlsx")
    sheet = openpyxl.load_workbook(xlsx).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert [r["line"].value for r in rows] == list(LINES)
    expected_formats = {
        "amount": "#,##0.00", "base_salary_full": "#,##0.00", "bookings": "#,##0.00", "revenue_target": "#,##0.00",
        "attainment": "0.00%", "payout_factor": "0.00##", "days_employed": "0", "days_in_month": "0",
    }
    for row in rows:
        for column, number_format in expected_formats.items():
            cell = row[column]
            assert cell.data_type == "n" and isinstance(cell.value, int | float), (column, cell.value)
            assert cell.number_format == number_format, column
        for column in ("employee_id", "month", "team_id", "line", "currency", "policy_version"):
            assert row[column].data_type == "s" and isinstance(row[column].value, str), column
    assert [r["amount"].value for r in rows] == [float(a) for a in AMOUNTS.values()]
    assert rows[0]["attainment"].value == 1.2 and rows[0]["base_salary_full"].value == 10000.25
    assert rows[0]["days_employed"].value == 15 and rows[0]["days_in_month"].value == 30


def test_export_html_statement_shows_every_line_and_its_source(warehouse: Path, tmp_path: Path) -> None:
    """The readable statement page: each line with its amount (thousands separator, 2 decimals), in order."""
    import re

    page = export_statements(warehouse, "2025-06", tmp_path / "out")[1].read_text(encoding="utf-8")
    lines = re.findall(r'data-line="([a-z_]+)">\s*<td>[^<]*</td><td class="n">([^<]*)</td>', page)
    assert [name for name, _ in lines] == list(LINES)
    assert [amount for _, amount in lines] == [f"{Decimal(a):,.2f}" for a in AMOUNTS.values()]
    assert "Pay statement 2025-06 — R1" in page and "draft, not published" in page
    assert "<script" not in page and "http" not in page  # self-contained, nothing to fetch


def test_export_is_byte_for_byte_deterministic(warehouse: Path, tmp_path: Path) -> None:
    first = export_statements(warehouse, "2025-06", tmp_path / "a")
    second = export_statements(warehouse, date(2025, 6, 1), tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    with zipfile.ZipFile(first[2]) as book:
        assert {info.date_time for info in book.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_export_names_the_month_without_statements(warehouse: Path, tmp_path: Path) -> None:
    with pytest.raises(StatementNotFoundError, match=r"2024-01.*from 2025-06 to 2025-06"):
        export_statements(warehouse, "2024-01", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_export_pins_the_workbook_timestamps(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl stamps the wall clock into docProps/core.xml on save; the export pins it to the month."""
    first = export_statements(warehouse, "2025-06", tmp_path / "a")
    import datetime as real_datetime

    import openpyxl.writer.excel as excel_writer

    class Later(real_datetime.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return real_datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=tz)

    monkeypatch.setattr(excel_writer.datetime, "datetime", Later)
    second = export_statements(warehouse, "2025-06", tmp_path / "b")
    assert first[2].read_bytes() == second[2].read_bytes()
    with zipfile.ZipFile(second[2]) as book:
        core = book.read("docProps/core.xml").decode()
    assert "2025-06-01T00:00:00Z" in core and "2031" not in core
