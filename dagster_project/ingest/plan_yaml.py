"""The annual plan (`planning/plan/plan_<YYYYMMDD>.yaml`, docs/planning.md) read as rows of the `planning/plan`
extract, so it is validated, quarantined and lineaged like every other delivery.

The YAML is walked as a node tree, never `safe_load`ed: each value stays the text the planner typed (`2025-12-15`
is not turned into a date object, `0.30` not into a float that prints as `0.3`), the validation of ingest/values.py
types it exactly as for a CSV cell, and each row keeps the line number of its value as `_source_row`, so a
quarantined target is found in the editor at the line the warehouse names. A structure problem (a list where a
mapping belongs, a key the format does not know) is a file problem: a plan read half is a plan read wrong.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .workbook import Sheet

HEADER = [
    "plan_year", "scope", "scope_value", "metric", "period", "target_value", "effective_from", "is_deleted",
    "updated_at",
]
SPLITS = {"by_region": "region", "by_product_line": "product_line", "by_customer_tier": "customer_tier"}
PERIODIC = ("monthly", "weekly")
"""`spm plan import` writes the decomposition here: scope -> metric -> member -> {YYYY-MM or YYYY-Www: value}."""
PERIODIC_SCOPES = ("company", "region", "team", "rep", "product_line", "customer_tier")
HEAD_KEYS = ("plan_year", "effective_from", "updated_at", "currency")
IGNORED = ("decomposition",)
"""Read by `spm plan propose` (how to split the year), not targets: not loaded."""


class PlanProblem(ValueError):
    """The file is not a plan in the documented shape; the message names the line."""


def _mapping(node: yaml.Node, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise PlanProblem(f"line {node.start_mark.line + 1}: {what} must be a mapping (key: value)")
    return node.value


def _scalar(node: yaml.Node, what: str) -> str | None:
    if not isinstance(node, yaml.ScalarNode):
        raise PlanProblem(f"line {node.start_mark.line + 1}: {what} must be a single value")
    return None if node.tag.endswith(":null") else node.value.strip()


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def read_plan(path: Path) -> Sheet:
    """Every target and policy value of one plan file as a row of text cells (header = HEADER)."""
    try:
        root = yaml.compose(Path(path).read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PlanProblem(f"not readable as YAML: {exc}".splitlines()[0]) from None
    if root is None:
        raise PlanProblem("empty file")
    head: dict[str, str | None] = {}
    body: list[tuple[str, yaml.Node, yaml.Node]] = []
    for key_node, value in _mapping(root, "the plan"):
        key = str(key_node.value)
        if key in HEAD_KEYS:
            head[key] = _scalar(value, key)
        elif key in ("targets", "policy", *SPLITS, *PERIODIC):
            body.append((key, key_node, value))
        elif key not in IGNORED:
            known = ", ".join((*HEAD_KEYS, "targets", *SPLITS, "policy", *PERIODIC, *IGNORED))
            raise PlanProblem(f"line {_line(key_node)}: unknown key {key!r}; the plan knows {known}")
    rows: list[tuple[int, list[str | None]]] = []

    def row(node: yaml.Node, scope: str, scope_value: str, metric: str, period: str | None, what: str) -> None:
        rows.append((_line(node), [head.get("plan_year"), scope, scope_value, metric, period, _scalar(node, what),
                                   head.get("effective_from"), "false", head.get("updated_at")]))

    for key, _, value in body:
        if key in PERIODIC:
            for scope_node, metrics in _mapping(value, key):
                scope = str(scope_node.value)
                if scope not in PERIODIC_SCOPES:
                    raise PlanProblem(f"line {_line(scope_node)}: unknown scope {scope!r} under {key}; "
                                      f"use {', '.join(PERIODIC_SCOPES)}")
                for metric_node, members in _mapping(metrics, f"{key}.{scope}"):
                    for member_node, periods in _mapping(members, f"{key}.{scope}.{metric_node.value}"):
                        what = f"{key}.{scope}.{metric_node.value}.{member_node.value}"
                        for period_node, target in _mapping(periods, what):
                            row(target, scope, str(member_node.value), str(metric_node.value),
                                str(period_node.value), f"{what}.{period_node.value}")
            continue
        for metric_node, target in _mapping(value, key):
            metric = str(metric_node.value)
            if key in ("targets", "policy"):
                scope = "company" if key == "targets" else "policy"
                row(target, scope, "all", metric, head.get("plan_year"), f"{key}.{metric}")
                continue
            for member_node, member_target in _mapping(target, f"{key}.{metric}"):
                row(member_target, SPLITS[key], str(member_node.value), metric, head.get("plan_year"),
                    f"{key}.{metric}.{member_node.value}")
    return Sheet(Path(path).name, list(HEADER), rows)
