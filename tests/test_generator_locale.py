"""`spm generate --locale zh-CN` (issue #25 item 3): Chinese names of people, teams, regions and customers, the same
bytes for the same seed, every other value as in `en`, and an ingest with exactly the English quarantine.

The English output itself is guarded by tests/test_generator.py and tests/fixtures/generator_sha256_*.json.
"""

from __future__ import annotations

import csv
import hashlib
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.extracts import EXTRACTS, Extract
from dagster_project.generator import generate
from dagster_project.ingest import ingest_extract, quarantine_summary

pytestmark = pytest.mark.unit

SCALE, SEED = 0.02, 42
CJK = re.compile(r"^[\u4e00-\u9fff]+$")
#: The only columns whose text depends on the locale (names.py); ids, amounts and dates never do.
NAME_COLUMNS = {
    "hr__employee": {"full_name", "team_name", "region"},
    "crm__account": {"Name"},
    "crm__opportunity": {"Name"},  # "<customer short name> - <product> <label>"
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("locale")
    out = {"en": root / "en", "zh": root / "zh", "zh_again": root / "zh_again"}
    generate(out["en"], SCALE, SEED)
    generate(out["zh"], SCALE, SEED, locale="zh-CN")
    generate(out["zh_again"], SCALE, SEED, locale="zh-CN")
    return out


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _rows(root: Path, e: Extract) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((root / e.system / e.entity).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            rows += [dict(zip(header, r, strict=True)) for r in reader if len(r) == len(header)]
    return rows


def test_zh_cn_is_byte_identical_for_a_seed(folders: dict[str, Path]) -> None:
    first, again = _digests(folders["zh"]), _digests(folders["zh_again"])
    assert len(first) > 100 and first == again


def test_zh_cn_differs_from_en_only_in_the_name_columns(folders: dict[str, Path]) -> None:
    en, zh = _digests(folders["en"]), _digests(folders["zh"])
    assert en.keys() == zh.keys()
    changed = {path.split("/")[0] + "__" + path.split("/")[1] for path in en if en[path] != zh[path]}
    assert changed == set(NAME_COLUMNS)
    for e in EXTRACTS:
        if e.name not in NAME_COLUMNS:
            continue
        en_rows, zh_rows = _rows(folders["en"], e), _rows(folders["zh"], e)
        assert len(en_rows) == len(zh_rows) > 0, e.name
        for a, b in zip(en_rows, zh_rows, strict=True):
            assert {k: v for k, v in a.items() if k not in NAME_COLUMNS[e.name]} == {
                k: v for k, v in b.items() if k not in NAME_COLUMNS[e.name]}, e.name


def test_zh_cn_names_are_chinese(folders: dict[str, Path]) -> None:
    by_name = {e.name: e for e in EXTRACTS}
    employees = _rows(folders["zh"], by_name["hr__employee"])
    for column in ("full_name", "team_name", "region"):
        values = {r[column] for r in employees}
        assert values and all(CJK.match(v) for v in values), (column, sorted(values)[:5])
    assert all(2 <= len(r["full_name"]) <= 4 for r in employees)
    assert {r["region"] for r in employees} <= {"华东", "华北", "华南", "西部", "华中", "东北", "西南"}
    assert all(r["team_name"].endswith("部") and "销售" in r["team_name"] for r in employees)
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d{4}@sales\.example\.com", r["email"]) for r in employees)  # ASCII
    accounts = _rows(folders["zh"], by_name["crm__account"])
    # city, brand (Faker's company prefixes: a few hold Latin letters or digits, 数字100, MBP软件), industry, suffix
    customer = re.compile(r"^[\u4e00-\u9fff]{2}[\u4e00-\u9fffA-Za-z0-9]+公司$")
    assert accounts and all(customer.match(r["Name"]) for r in accounts), [
        r["Name"] for r in accounts if not customer.match(r["Name"])][:5]
    assert sum(bool(CJK.match(r["Name"])) for r in accounts) > 0.9 * len(accounts)
    assert len({r["Name"] for r in accounts}) > len({r["Id"] for r in accounts}) // 2  # names vary, not a few
    # the same account keeps its name across deliveries, as in en
    names: dict[str, set[str]] = {}
    for r in accounts:
        names.setdefault(r["Id"], set()).add(r["Name"])
    assert all(len(v) == 1 for v in names.values())


def _quarantine(landing: Path, warehouse: Path) -> tuple[list[tuple[str, str, int]], dict[str, int]]:
    con = duckdb.connect(str(warehouse))
    try:
        loaded = {}
        for e in EXTRACTS:
            result = ingest_extract(con, e, landing, "L1", datetime(2026, 1, 1))
            loaded[e.name] = result.rows_loaded
        return quarantine_summary(con), loaded
    finally:
        con.close()


def test_zh_cn_ingests_with_exactly_the_english_quarantine(folders: dict[str, Path], tmp_path: Path) -> None:
    en_quarantine, en_loaded = _quarantine(folders["en"], tmp_path / "en.duckdb")
    zh_quarantine, zh_loaded = _quarantine(folders["zh"], tmp_path / "zh.duckdb")
    assert en_quarantine and zh_quarantine == en_quarantine  # the generator's own 10 malformed lines, nothing more
    assert sum(n for _, _, n in zh_quarantine) == 10
    assert zh_loaded == en_loaded
    con = duckdb.connect(str(tmp_path / "zh.duckdb"), read_only=True)
    try:
        names = [r[0] for r in con.execute("select distinct full_name from raw.hr__employee").fetchall()]
    finally:
        con.close()
    assert names and all(CJK.match(n) for n in names)


def test_an_unknown_locale_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown locale 'fr': choose one of en, zh-CN"):
        generate(tmp_path / "out", SCALE, SEED, locale="fr")
    assert not (tmp_path / "out").exists()


def test_spm_generate_locale_writes_the_same_files(folders: dict[str, Path], tmp_path: Path) -> None:
    from dagster_project import cli

    out = tmp_path / "cli"
    args = ["generate", "--scale", str(SCALE), "--seed", str(SEED), "--locale", "zh-CN", "--out", str(out)]
    assert cli.main(args) == 0
    written = _digests(out)
    written.pop(".spm-generated")
    assert written == _digests(folders["zh"])
    with pytest.raises(SystemExit):
        cli.main(["generate", "--locale", "fr", "--out", str(tmp_path / "fr")])
