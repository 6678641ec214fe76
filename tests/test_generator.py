"""The synthetic data generator writes the landing contract of docs/sources.md, deterministically, with its mess.

Everything runs on real files at scale 0.02 (about a second per generation), generated once per module.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from dagster_project.extracts import EXTRACTS as ALL_EXTRACTS
from dagster_project.extracts import Extract
from dagster_project.generator import generate, mess

pytestmark = pytest.mark.unit

EXTRACTS = tuple(e for e in ALL_EXTRACTS if e.generated)
"""The extracts `spm generate` writes (the annual plan YAML is written by the planner, docs/planning.md)."""

SCALE = 0.02
MONTH_ENDS = [
    "20250131", "20250228", "20250331", "20250430", "20250531", "20250630",
    "20250731", "20250831", "20250930", "20251031", "20251130", "20251231",
]


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("landing") / "seed42"
    return out, generate(out, SCALE, 42)


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _files(root: Path, e: Extract) -> list[Path]:
    return sorted((root / e.system / e.entity).glob("*.csv"))


def _rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.reader(f)


def _records(root: Path, e: Extract, include_redelivery: bool = False) -> Iterator[tuple[str, dict[str, str]]]:
    """(file name, row) of every well-formed row of an extract (right column count)."""
    for path in _files(root, e):
        if path.stem.endswith("_2") and not include_redelivery:
            continue
        rows = _rows(path)
        header = next(rows)
        for row in rows:
            if len(row) == len(header):
                yield path.name, dict(zip(header, row, strict=True))


def _extract(name: str) -> Extract:
    return next(e for e in EXTRACTS if e.name == name)


def _current(root: Path, e: Extract) -> dict[tuple[str, ...], dict[str, str]]:
    """Latest version of each record (by change stamp, then file), the way docs/sources.md defines current state."""
    best: dict[tuple[str, ...], tuple[tuple[str, str], dict[str, str]]] = {}
    for name, row in _records(root, e):
        key = tuple(row[k] for k in e.key)
        rank = (row[e.change_stamp], name)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, row)
    return {k: v[1] for k, v in best.items()}


def test_same_seed_gives_identical_bytes(landing: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    root, counts = landing
    again = generate(tmp_path / "again", SCALE, 42)
    assert again == counts
    assert _digests(tmp_path / "again") == _digests(root)


def test_different_seed_gives_different_data(landing: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    root, _ = landing
    generate(tmp_path / "other", SCALE, 7)
    mine, other = _digests(root), _digests(tmp_path / "other")
    assert set(mine) == set(other)  # same layout
    differing = [name for name in mine if mine[name] != other[name]]
    assert len(differing) > len(mine) // 2
    assert "crm/opportunity/opportunity_20241231.csv" in differing


def test_every_header_is_the_contract_column_order(landing: tuple[Path, dict[str, int]]) -> None:
    root, _ = landing
    for e in EXTRACTS:
        files = _files(root, e)
        assert files, e.name
        for path in files:
            assert next(_rows(path)) == list(e.generated_names), path


def test_layout_initial_full_twelve_monthly_and_one_redelivery(landing: tuple[Path, dict[str, int]]) -> None:
    root, _ = landing
    for e in EXTRACTS:
        names = [p.name for p in _files(root, e)]
        if e.entity == "fx_rate":
            assert names == ["fx_rate_20251231.csv"]
            continue
        expected = [f"{e.entity}_{d}.csv" for d in ["20241231", *MONTH_ENDS]]
        if (e.system, e.entity) == mess.REDELIVERED[:2]:
            expected.append(mess.REDELIVERED[2].replace(".csv", "_2.csv"))
        assert sorted(names) == sorted(expected), e.name
    original = root.joinpath(*mess.REDELIVERED)
    copy = original.with_name(original.stem + "_2.csv")
    assert copy.read_bytes() == original.read_bytes()
    # the full delivery is the bulk, the monthly deliveries carry changes
    opp = root / "crm" / "opportunity"
    full = sum(1 for _ in _rows(opp / "opportunity_20241231.csv"))
    january = sum(1 for _ in _rows(opp / "opportunity_20250131.csv"))
    assert full > 3 * january > 0


def test_returned_counts_are_good_rows_written(landing: tuple[Path, dict[str, int]]) -> None:
    root, counts = landing
    assert set(counts) == {e.name for e in EXTRACTS}
    malformed = Counter(f"{s}__{n}" for s, n, *_ in mess.MALFORMED)
    for e in EXTRACTS:
        lines = sum(
            len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in _files(root, e) if not p.stem.endswith("_2")
        )
        assert counts[e.name] == lines - malformed[e.name], e.name
        assert counts[e.name] > 0, e.name


def test_keys_are_unique_within_each_file(landing: tuple[Path, dict[str, int]]) -> None:
    root, _ = landing
    for e in EXTRACTS:
        if e.name == "hr__employee":  # HR exports every version of a person
            continue
        per_file: dict[str, Counter[tuple[str, ...]]] = {}
        for name, row in _records(root, e):
            key = tuple(row[k] for k in e.key)
            if all(key):
                per_file.setdefault(name, Counter())[key] += 1
        for name, keys in per_file.items():
            dupes = [k for k, n in keys.items() if n > 1]
            assert not dupes, (name, dupes[:3])


def test_change_stamps_are_on_or_before_the_file_date_and_increase(landing: tuple[Path, dict[str, int]]) -> None:
    root, _ = landing
    for e in EXTRACTS:
        last: dict[tuple[str, ...], str] = {}
        for name, row in _records(root, e):
            file_date = name.rsplit("_", 1)[-1].removesuffix(".csv")
            stamp = row[e.change_stamp]
            assert stamp[:10].replace("-", "") <= file_date, (name, stamp)
            if e.name == "hr__employee" or e.entity == "fx_rate":
                continue
            key = tuple(row[k] for k in e.key)
            if all(key) and key in last:
                assert stamp > last[key], (name, key)
            last[key] = stamp


def test_timestamp_formats(landing: tuple[Path, dict[str, int]]) -> None:
    root, _ = landing
    _, opp = next(_records(root, _extract("crm__opportunity")))
    assert opp["SystemModstamp"].endswith(".000+0000") and opp["CreatedDate"][10] == "T"
    _, inv = next(_records(root, _extract("finance__invoice")))
    assert inv["updated_at"].endswith("Z") and len(inv["updated_at"]) == 20
    assert inv["is_deleted"] in ("true", "false")
    assert len(opp["Id"]) == 18 and opp["Id"].startswith("006") and opp["AccountId"].startswith("001")


def test_fx_covers_every_month_and_currency_used(landing: tuple[Path, dict[str, int]]) -> None:
    root, _ = landing
    rates = {(r["rate_month"], r["currency"]) for _, r in _records(root, _extract("finance__fx_rate"))}
    assert ("2023-01", "CNY") in rates and ("2025-12", "USD") in rates
    used = set()
    for _, r in _records(root, _extract("crm__opportunity")):
        if r["CloseDate"] <= "2025-12-31" and r["Id"] and r["StageName"] != "Won-ish":
            used.add((r["CloseDate"][:7], r["CurrencyIsoCode"]))
    for _, r in _records(root, _extract("finance__invoice")):
        used.add((r["invoice_date"][:7], r["currency"]))
    used = {u for u in used if _valid_date(u[0] + "-01")}
    assert used and used <= rates, sorted(used - rates)[:5]
    assert {c for _, c in used} >= {"CNY", "USD"}


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def test_every_malformed_kind_is_present(landing: tuple[Path, dict[str, int]]) -> None:
    root, _ = landing
    opp = root / "crm" / "opportunity" / "opportunity_20250228.csv"
    rows = list(_rows(opp))
    width = len(rows[0])
    header = rows[0]
    good = [dict(zip(header, r, strict=True)) for r in rows[1:] if len(r) == width]
    assert any(len(r) != width for r in rows[1:]), "wrong column count"
    assert any(r["CloseDate"] == "2025-02-30" for r in good), "unparsable date"
    assert any(r["Amount"] == "12,5" for r in good), "unparsable number"
    assert '"12,5"' in opp.read_text(encoding="utf-8"), "a comma inside a number is quoted (RFC 4180)"
    assert any(r["StageName"] == "Won-ish" for r in good), "unknown enum"
    assert any(r["Amount"] == "-100" for r in good), "negative amount"
    inv = root / "finance" / "invoice" / "invoice_20250430.csv"
    inv_rows = list(csv.DictReader(inv.open(encoding="utf-8", newline="")))
    assert any(r["invoice_id"] == "" for r in inv_rows), "missing key"
    assert any(r["net_amount"] == "abc" for r in inv_rows)
    task = root / "crm" / "task" / "task_20250531.csv"
    assert any(r["Id"] == "" for r in csv.DictReader(task.open(encoding="utf-8", newline="")))
    assert len(mess.MALFORMED) == 10


def test_rough_shape_is_enough_for_grading(landing: tuple[Path, dict[str, int]]) -> None:
    root, counts = landing
    employees = _current(root, _extract("hr__employee"))
    for quarter_end, cutoff in (("2023-03-31", "2023-01-30"), ("2025-12-31", "2025-11-01")):
        eligible = [
            e for e in employees.values()
            if e["job_level"] in ("Sales Rep", "Senior Sales Rep") and e["hire_date"] <= cutoff
            and (not e["termination_date"] or e["termination_date"] >= quarter_end)
        ]
        assert len(eligible) >= 12, quarter_end
    assert len({e["team_id"] for e in employees.values()}) >= 3
    assert sum(e["job_level"] == "Sales Manager" for e in employees.values()) >= 3
    assert any(e["termination_date"] for e in employees.values())
    assert any(e["hire_date"] >= "2025-07-01" for e in employees.values())
    history = Counter(row["employee_id"] for _, row in _records(root, _extract("hr__employee")))
    assert max(history.values()) >= 3  # type-2 versions are kept

    accounts = _current(root, _extract("crm__account"))
    assert len(accounts) >= 60
    assert {a["Customer_Tier__c"] for a in accounts.values()} >= {"A", "B", "C"}
    assert {a["Type"] for a in accounts.values()} >= {"Prospect", "Customer", "Former Customer"}

    opps = _current(root, _extract("crm__opportunity"))
    stages = Counter(o["StageName"] for o in opps.values())
    assert stages["Closed Won"] > 50 and stages["Closed Lost"] > 50 and stages["Negotiation"] > 0
    for o in opps.values():
        if o["StageName"] in ("Closed Won", "Closed Lost"):
            assert o["IsClosed"] == "true" and o["IsWon"] == ("true" if o["StageName"] == "Closed Won" else "false")
    assert any(o["AccountId"] not in accounts for o in opps.values()), "orphan opportunity"
    assert any(o["IsDeleted"] == "true" for o in opps.values())

    splits = Counter()
    for s in _current(root, _extract("crm__opportunity_split")).values():
        splits[s["OpportunityId"]] += float(s["SplitPercentage"])
    assert sorted(set(splits.values())) == [90.0, 100.0]

    invoices = _current(root, _extract("finance__invoice"))
    assert {i["document_type"] for i in invoices.values()} == {"INV", "CRN"}
    assert {i["status"] for i in invoices.values()} >= {"OPEN", "PAID", "VOID"}
    payments = _current(root, _extract("finance__payment"))
    assert any(float(p["amount"]) < 0 for p in payments.values()), "reversal"
    assert any(p["invoice_id"] == mess.ORPHAN_INVOICE_ID for p in payments.values())
    assert sum(p["is_deleted"] == "true" for p in payments.values()) == 1
    targets = _current(root, _extract("planning__target"))
    assert {t["metric"] for t in targets.values()} == {"revenue", "new_customers"}
    reviews = _current(root, _extract("surveys__review_360"))
    assert {r["reviewer_type"] for r in reviews.values()} == {"self", "manager", "customer", "peer"}
    assert counts["crm__task"] > 5 * len(opps)
