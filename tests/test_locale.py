"""The readers' language (SPM_LOCALE, docs/locale.md): the catalogue is complete and compiled, figures are written
by CLDR (Babel), a zh-CN page shows no English the catalogue should have translated, and the zh-CN and English
dashboards of one month embed the same figures.
"""

from __future__ import annotations

import gettext
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import BuiltWarehouse

from dagster_project.dashboard import write_dashboard
from dagster_project.dashboard.data import load_dashboard
from dagster_project.i18n import CODE_LABELS, DOMAIN, LOCALE_DIR, LocaleError, check_locale, texts
from dagster_project.settings import REPO_ROOT, Settings

PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2)}
METHOD_MAP = [("dagster_project/**.py", "python"), ("dagster_project/**/templates/**.j2", "jinja2")]


def _code_messages() -> set[str]:
    """Every message id the code marks (`_`, `N_`, `n_` in Python and templates), as `make catalogue` extracts."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO_ROOT), METHOD_MAP, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _po() -> dict[str, str]:
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy translations: {fuzzy}"
    return {(m.id if isinstance(m.id, str) else m.id[0]): (m.string if isinstance(m.string, str) else m.string[0])
            for m in catalogue if m.id}


# --- the catalogue -------------------------------------------------------------------------------------------------
@pytest.mark.unit
def test_every_text_of_the_code_has_a_chinese_translation() -> None:
    po, marked = _po(), _code_messages()
    assert len(marked) > 150  # the extraction found the templates and the Python modules
    missing = sorted(m for m in marked if not po.get(m))
    assert missing == [], f"not in {PO.relative_to(REPO_ROOT)} (run `make catalogue` and translate): {missing}"


@pytest.mark.unit
def test_the_committed_mo_is_the_po_compiled() -> None:
    """The .mo the code reads says what the .po says (`make catalogue` compiles it)."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for msgid, msgstr in _po().items():
        assert compiled.gettext(msgid) == msgstr, msgid


@pytest.mark.unit
def test_placeholders_survive_translation() -> None:
    """A translation keeps every `{name}` of its message id, or `.format` raises (or drops a figure) at render."""
    for msgid, msgstr in _po().items():
        assert set(re.findall(r"{(\w+)}", msgid)) == set(re.findall(r"{(\w+)}", msgstr)), msgid


@pytest.mark.unit
def test_cldr_formatting() -> None:
    zh, en = texts("zh-CN"), texts("en")
    assert zh.money(12_345_678.9) == "¥1234.57万"
    assert zh.money(123_456_789) == "¥1.23亿"
    assert zh.money(9_876) == "¥9,876"
    assert zh.money(None) == "–"
    assert en.money(12_345_678.9) == "CN¥12,345,679"
    assert zh.pct(0.1234) == en.pct(0.1234) == "12.3%"
    assert zh.days(12.34) == "12.3 天" and en.days(12.34) == "12.3 d"
    import datetime as dt

    assert zh.month(dt.date(2025, 11, 1)) == "2025年11月"
    assert en.month(dt.date(2025, 11, 1)) == "November 2025"
    assert zh.date("2025-11-03") == "2025年11月3日" and en.date("2025-11-03") == "2025-11-03"
    assert zh.label("over_90") == "90天以上" and zh.label("a company's own source") == "a company's own source"
    assert texts("zh-CN", currency="USD").money(20_000) == "US$2万"


@pytest.mark.unit
def test_the_locale_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPM_LOCALE", raising=False)
    assert Settings.from_env().locale == "en"
    monkeypatch.setenv("SPM_LOCALE", "zh_CN")
    assert Settings.from_env().locale == "zh-CN"
    assert check_locale("ZH-cn") == "zh-CN"
    monkeypatch.setenv("SPM_LOCALE", "fr")
    with pytest.raises(LocaleError, match="SPM_LOCALE='fr' is not one of en, zh-CN"):
        Settings.from_env()


# --- the pages -----------------------------------------------------------------------------------------------------
class _Visible(HTMLParser):
    """The text a reader sees: every text node outside <script> and <style> (SVG labels and tooltips included)."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.texts: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "html":
            self.lang = dict(attrs).get("lang")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.texts.append(data.strip())


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


#: What may stay Latin on a Chinese page: ids (E0002, T01), quarters (2025Q4), tiers (A, B, C), the currency sign.
_NOT_WORDS = re.compile(r"\b(?:[A-Z]+\d+|\d{4}Q\d|[ABC]|US|CN)\b")


@pytest.fixture(scope="module")
def both(built_warehouse: BuiltWarehouse, month: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for locale in ("en", "zh-CN"):
        folder = tmp_path_factory.mktemp(f"dashboard-{locale}")
        write_dashboard(built_warehouse.warehouse, month, folder, locale=locale)
        out[locale] = folder
    return out


def _pages(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*.html"))


def _figures_json(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    return re.search(r'<script type="application/json" id="figures">(.*?)</script>', html, re.S).group(1)


@pytest.mark.integration
def test_zh_and_en_dashboards_embed_identical_figures(both: dict[str, Path]) -> None:
    """Every figure a Chinese reader sees is the English reader's: the same pages, each embedding byte-identical
    figures JSON (the locale changes words and formatting only)."""
    en, zh = both["en"], both["zh-CN"]
    assert _pages(en) == _pages(zh) and len(_pages(en)) > 3
    for page in _pages(en):
        assert _figures_json(en / page) == _figures_json(zh / page), page
        assert json.loads(_figures_json(zh / page))["figures"]


@pytest.mark.integration
def test_no_zh_page_shows_english_the_catalogue_should_translate(
    both: dict[str, Path], built_warehouse: BuiltWarehouse, month: str
) -> None:
    """Render the zh-CN pages, take every visible text, remove the data (names, ids, a company's own codes: what
    the marts hold, not what the code writes) and the figures: no Latin word may be left, and no English message
    id of the catalogue appears anywhere."""
    data = load_dashboard(built_warehouse.warehouse, month)
    values = set()
    for page in [data.company, *data.teams, *data.reps]:
        values |= _strings(page.tables) | _strings(page.figures) | {page.title, page.title.removeprefix("Team ")}
    values = {v for v in values if v not in CODE_LABELS}  # codes with a label must show the label, not the code
    ordered = sorted(values, key=len, reverse=True)
    msgids = {m for m in _po() if len(m) > 3 and re.search(r"[a-z]{3}", m)}
    zh = both["zh-CN"]
    for page in _pages(zh):
        parser = _Visible()
        parser.feed((zh / page).read_text(encoding="utf-8"))
        assert parser.lang == "zh-CN", page
        for text in parser.texts:
            rest = text
            for value in ordered:
                if value and value in rest:
                    rest = rest.replace(value, " ")
            rest = _NOT_WORDS.sub(" ", rest)
            assert not re.search(r"[A-Za-z]{2,}", rest), f"{page}: untranslated text {text!r}"
            assert not any(m == text for m in msgids), f"{page}: English message id shown: {text!r}"


# --- statements, explain-pay and the grade table ---------------------------------------------------------------------
@pytest.fixture
def pay_warehouse(tmp_path: Path) -> Path:
    from test_pay_tools import make_warehouse

    return make_warehouse(tmp_path / "warehouse.duckdb")


@pytest.mark.unit
def test_zh_statements_keep_the_numbers_and_translate_the_words(pay_warehouse: Path, tmp_path: Path) -> None:
    """The Chinese CSV, XLSX and HTML of R1's June statement: titles, sheet name, line names and reasons in
    Chinese; every number the English file's number (a numeric cell in the workbook)."""
    import csv
    import io

    import openpyxl

    from dagster_project.pay import export_statements

    en = export_statements(pay_warehouse, "2025-06", tmp_path / "en", locale="en")
    zh = export_statements(pay_warehouse, "2025-06", tmp_path / "zh", locale="zh-CN")
    assert [p.name for p in en] == [p.name for p in zh]
    en_rows = list(csv.reader(io.StringIO(en[0].read_text(encoding="utf-8-sig"))))
    zh_rows = list(csv.reader(io.StringIO(zh[0].read_text(encoding="utf-8-sig"))))
    assert zh[0].read_bytes()[:3] == b"\xef\xbb\xbf"
    assert zh_rows[0][:6] == ["员工编号", "月份", "团队", "职级", "工资项目", "金额"]
    assert [r[4] for r in zh_rows[1:]] == ["基本工资", "基本绩效工资", "绩效奖金", "能力奖金", "满意度奖金", "追回",
                                          "应发合计"]
    assert zh_rows[4][7] == "本月之前尚无已发布的季度：按新员工默认值" and zh_rows[1][3] == "高级销售代表"
    numeric = [5, *range(9, 18)]
    assert [[r[i] for i in numeric] for r in zh_rows[1:]] == [[r[i] for i in numeric] for r in en_rows[1:]]
    book = openpyxl.load_workbook(zh[2])
    assert book.sheetnames == ["工资单"]
    amounts = [row[5] for row in book.active.iter_rows(min_row=2)]
    assert [c.value for c in amounts] == [5000.13, 1920.05, 2600.07, 400.01, 0.0, -1200.0, 8720.26]
    assert {c.data_type for c in amounts} == {"n"} and {c.number_format for c in amounts} == {"#,##0.00"}
    html = zh[1].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "工资单 2025-06 — R1" in html and "草稿，未发布" in html
    assert '<td>应发合计</td><td class="n">8,720.26</td>' in html


@pytest.mark.unit
def test_zh_explain_pay(pay_warehouse: Path) -> None:
    from dagster_project.pay import explain_pay

    text = explain_pay(pay_warehouse, "R1", "2025-06", locale="zh-CN")
    assert text.startswith("R1 的 2025-06 工资单（草稿，未发布；政策 2025.1，团队 T1）")
    assert "\n  基本工资           5,000.13  = 10,000.25 x 15 / 30 天 = 5000.125\n" in text  # 基本绩效工资: 12 columns
    assert "0.5 x V 4000.1 x 支付系数 1.3" in text and "以上各行的并集：hr__employee 1" in text
    assert explain_pay(pay_warehouse, "R1", "2025-06", locale="en") == explain_pay(pay_warehouse, "R1", "2025-06")


# --- the command line ------------------------------------------------------------------------------------------------
@pytest.mark.integration
def test_spm_dashboard_locale_option(
    built_warehouse: BuiltWarehouse, month: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--locale zh-CN` writes the Chinese pages; a locale the catalogue lacks stops the command naming it."""
    from dagster_project.cli import main

    monkeypatch.setenv("SPM_LOCALE", "en")  # restored after the test: main() exports the option to the environment
    out = tmp_path / "zh"
    assert main(["dashboard", "--month", month, "--out", str(out), "--warehouse", str(built_warehouse.warehouse),
                 "--locale", "zh-CN"]) == 0
    assert '<html lang="zh-CN">' in (out / "index.html").read_text(encoding="utf-8")
    monkeypatch.setenv("SPM_LOCALE", "fr")
    with pytest.raises(SystemExit, match="SPM_LOCALE='fr' is not one of en, zh-CN"):
        main(["dashboard", "--month", month, "--out", str(tmp_path / "fr"), "--warehouse",
              str(built_warehouse.warehouse)])


@pytest.mark.unit
def test_a_changed_locale_is_a_changed_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The nothing-new rule rebuilds (and so rewrites the dashboard) when SPM_LOCALE changes; in English the
    fingerprint is what it was before the setting existed, so an existing record still matches."""
    from dagster_project.run_gate import fingerprint

    monkeypatch.setenv("SPM_REPORTING_CURRENCY", "CNY")
    monkeypatch.delenv("SPM_SOURCE_CONFIG", raising=False)
    monkeypatch.delenv("SPM_PRESET", raising=False)
    english = Settings(landing_dir=tmp_path, warehouse=tmp_path / "w.duckdb", as_of=None, timezone="Asia/Shanghai")
    assert "locale" not in fingerprint(english)
    chinese = Settings(landing_dir=tmp_path, warehouse=tmp_path / "w.duckdb", as_of=None, timezone="Asia/Shanghai",
                       locale="zh-CN")
    assert fingerprint(chinese) == {**fingerprint(english), "locale": "zh-CN"}


@pytest.mark.integration
def test_the_grade_table_in_both_locales(built_warehouse: BuiltWarehouse, tmp_path: Path) -> None:
    """`spm evaluate`'s table: the same ranks, grades and scores; the words in the reader's language, the Chinese
    columns lined up by terminal width."""
    from dagster_project import db, publish
    from dagster_project.reports import render_quarter

    copy = built_warehouse.copy_to(tmp_path / "grades")
    with db.connect(copy.warehouse, read_only=False) as con:
        quarter = con.execute("select max(quarter) from marts.mart_quarterly_evaluation where is_graded").fetchone()[0]
        publish.stage_candidate(con, publish.EVALUATION, quarter)
    en = render_quarter(copy.warehouse, quarter, False, locale="en").splitlines()
    zh = render_quarter(copy.warehouse, quarter, False, locale="zh-CN").splitlines()
    assert en[0].startswith(f"Quarter {quarter}: ") and zh[0].startswith(f"{quarter} 季度：")
    header = next(i for i, line in enumerate(en) if line.startswith("  rank  employee"))
    assert zh[header] == "  排名  员工      等级    综合得分      达成率  团队"
    rows = [line for line in en[header + 1:] if line[:6].strip().isdigit()]
    assert rows and rows == zh[header + 1:header + 1 + len(rows)]  # figures and layout identical
