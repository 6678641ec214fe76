"""Every macro of dbt/macros is documented in dbt/macros/_macros.yml, with each of its arguments.

A macro is indirection a reader has to look up; it earns its place by holding a rule used in several models, an
engine difference (adapter.dispatch) or a dbt hook (docs/architecture.md, Macros). The yml says which, so a reader
of a model never opens the macro file to learn what a call means. Pure file reads, no dbt run.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from dagster_project.settings import DBT_PROJECT_DIR

MACRO_DIR = Path(DBT_PROJECT_DIR) / "macros"
DEFINITION = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\((.*?)\)\s*-?%\}", re.S)


def macro_signatures(macro_dir: Path = MACRO_DIR) -> dict[str, list[str]]:
    """Macro name -> argument names, from every .sql file under dbt/macros."""
    found: dict[str, list[str]] = {}
    for path in sorted(macro_dir.rglob("*.sql")):
        for name, args in DEFINITION.findall(path.read_text(encoding="utf-8")):
            found[name] = [a.split("=")[0].strip() for a in args.split(",") if a.strip()]
    return found


def undocumented(signatures: dict[str, list[str]], documented: list[dict]) -> list[str]:
    """One line per macro missing from the yml, documented without a description, or with arguments that differ."""
    by_name = {m["name"]: m for m in documented}
    problems = []
    for name, args in signatures.items():
        entry = by_name.get(name)
        if entry is None:
            problems.append(f"{name}: not in _macros.yml")
            continue
        if not str(entry.get("description") or "").strip():
            problems.append(f"{name}: no description")
        named = [a["name"] for a in entry.get("arguments") or []]
        if named != args:
            problems.append(f"{name}: arguments {named} documented, {args} defined")
        if any(not str(a.get("description") or "").strip() for a in entry.get("arguments") or []):
            problems.append(f"{name}: an argument without a description")
    problems += [f"{name}: documented but not defined" for name in by_name if name not in signatures]
    return problems


def test_every_macro_is_documented_with_its_arguments() -> None:
    documented = yaml.safe_load((MACRO_DIR / "_macros.yml").read_text(encoding="utf-8"))["macros"]
    signatures = macro_signatures()
    assert len(signatures) > 40  # the parser found the macros (a broken pattern would pass vacuously)
    assert undocumented(signatures, documented) == []


def test_the_check_names_a_missing_macro_and_a_wrong_argument() -> None:
    documented = [{"name": "safe_ratio", "description": "x", "arguments": [{"name": "numerator", "description": "y"}]}]
    signatures = {"safe_ratio": ["numerator", "denominator"], "month_of": ["date_expr"]}
    assert undocumented(signatures, documented) == [
        "safe_ratio: arguments ['numerator'] documented, ['numerator', 'denominator'] defined",
        "month_of: not in _macros.yml",
    ]


def test_no_one_line_rename_macros_come_back() -> None:
    """The wrappers folded into the SQL (issue 24) stay folded: each was a cast around one SQL or dbt function."""
    folded = {"month_of", "quarter_start", "add_days", "add_months", "last_day_of_month", "to_money", "to_rate",
              "month_start_from_text", "churn_window_end", "renewal_deadline", "csat_is_at_risk",
              "csat_is_referral_candidate", "days_to_years", "aging_bucket", "stage_order", "grading_rank",
              "graded_reps", "tied_at_grade_boundary"}
    assert folded.isdisjoint(macro_signatures())
    uses = [
        f"{path.relative_to(DBT_PROJECT_DIR)}: {name}"
        for path in Path(DBT_PROJECT_DIR).rglob("*.sql")
        for name in folded
        if re.search(rf"\b{name}\(", path.read_text(encoding="utf-8"))
    ]
    assert uses == []
