"""Writes the dashboard's HTML pages: one for the company, one per team, one per rep, linked relatively.

Every page is one self-contained file (CSS, SVG charts and a few lines of JavaScript inline; no network), so it
opens from disk. Each figure shown carries `data-figure` (its key) and `data-format`, and the page embeds all its
figures and tables as JSON (`<script type="application/json" id="figures">`), so a test can check that what a
person reads is what the marts hold.

Every word comes from the catalogue and every figure is written by Babel in the reader's locale (SPM_LOCALE,
dagster_project/i18n.py, docs/locale.md); the embedded JSON is the same in every locale.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from dagster_project.dashboard import charts
from dagster_project.dashboard.data import ATTAINMENT_BUCKETS, DashboardData, DashboardError, PageData
from dagster_project.i18n import DEFAULT_LOCALE, N_, Texts, template_translator, texts

TEMPLATES = Path(__file__).parent / "templates"

METRIC_LABELS = {
    "bookings": (N_("Bookings"), "money"),
    "attainment": (N_("Attainment"), "pct"),
    "win_rate": (N_("Win rate"), "pct"),
    "lead_conversion_rate": (N_("Lead conversion"), "pct"),
    "visits": (N_("Visits"), "int"),
    "collection_rate": (N_("Collection rate"), "pct"),
    "new_customers_weighted": (N_("New customers (weighted)"), "num"),
}


def format_value(value: Any, kind: str, locale: str = DEFAULT_LOCALE) -> str:
    """The one way a figure is written on a page (tests format with this too): CLDR formatting of `locale`."""
    return texts(locale).figure(value, kind)


def _figure(page: PageData, key: str, kind: str, tx: Texts) -> Markup:
    value = page.figures.get(key)
    return Markup('<span data-figure="{}" data-format="{}">{}</span>').format(key, kind, tx.figure(value, kind))


def _mart_figure(page: PageData, column: str, kind: str, tx: Texts | None = None) -> Markup:
    """A column of the scope's monthly mart row shown as is (`m('column', 'pct')` in the template): how a KPI column
    added to a monthly mart reaches the page without a line of Python (docs/architecture.md, Adding a KPI column)."""
    if page.mart and column not in page.mart:
        raise DashboardError(f"the template shows {column!r}, which the {page.scope.kind} monthly mart does not have")
    value = page.mart.get(column)
    return Markup('<span data-mart-column="{}" data-format="{}">{}</span>').format(
        column, kind, (tx or texts()).figure(value, kind))


def _environment(tx: Texts | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    tx = tx or texts()
    env.filters["fmt"] = tx.figure
    env.filters["label"] = tx.label
    env.filters["pct0"] = lambda value: tx.pct(value, 0)
    env.filters["day"] = tx.date
    env.globals["_"] = template_translator(tx)
    return env


def _charts(page: PageData, threshold: float, tx: Texts) -> dict[str, Markup]:
    t = page.tables
    buckets = t["attainment_buckets"]
    threshold_index = next(i for i, low in enumerate(ATTAINMENT_BUCKETS) if low >= threshold)

    def extremes(high: str, low: str) -> str:
        return tx._("max {high} · min {low}", high=high, low=low)

    out = {
        "attainment": charts.columns([b["bucket"] for b in buckets], [b["reps"] for b in buckets],
                                     highlight=[b["below_threshold"] for b in buckets],
                                     threshold_index=threshold_index,
                                     threshold_label=tx._("bonus threshold {threshold}",
                                                          threshold=tx.pct(threshold, 0))),
        "funnel": charts.hbars([tx.label(f["stage"]) for f in t["funnel"]],
                               [f["conversion_rate"] for f in t["funnel"]], tx.pct),
        "cycle": charts.line([r["month"][:7] for r in t["cycle_trend"]],
                             [r["sales_cycle_days"] for r in t["cycle_trend"]], tx.days, extremes=extremes),
        "bookings_trend": charts.line([r["month"][:7] for r in t["cycle_trend"]],
                                      [r["bookings"] for r in t["cycle_trend"]], tx.money,
                                      width=1200, height=150, extremes=extremes),
        "aging": charts.hbars([tx.label(a["aging_bucket"]) for a in t["ar_aging"]],
                              [a["open_balance"] for a in t["ar_aging"]], tx.money,
                              highlight=[a["aging_bucket"] in ("61-90", "over_90") for a in t["ar_aging"]]),
        "tiers": charts.hbars([tx._("tier {tier}", tier=r["tier"]) for r in t["new_customers_by_tier"]],
                              [r["accounts"] for r in t["new_customers_by_tier"]], tx.int),
    }
    if "segments" in t:
        for kind, rate in (("lead_source", "lead_conversion_rate"), ("customer_tier", "win_rate"),
                           ("lead_source_win", "win_rate")):
            segment_type = kind.removesuffix("_win")
            rows = [s for s in t["segments"] if s["segment_type"] == segment_type and s[rate] is not None]
            flag = "is_weakest_lead_conversion" if rate == "lead_conversion_rate" else "is_weakest_win_rate"
            out[f"segments_{kind}"] = charts.hbars([tx.label(s["segment"]) for s in rows], [s[rate] for s in rows],
                                                   tx.pct, highlight=[s[flag] for s in rows])
    return out


def _links(data: DashboardData) -> dict[str, str]:
    """Relative links from the company page (index.html) to every team and rep page."""
    links = {f"team:{p.scope.key}": f"teams/{p.scope.key}.html" for p in data.teams}
    links.update({f"rep:{p.scope.key}": f"reps/{p.scope.key}.html" for p in data.reps})
    return links


def _page_json(data: DashboardData, page: PageData) -> str:
    payload = {
        "month": f"{data.month:%Y-%m}",
        "quarter": data.quarter,
        "scope": {"kind": page.scope.kind, "key": page.scope.key, "team_id": page.scope.team_id},
        "freshness": data.freshness,
        "figures": page.figures,
        "tables": page.tables,
    }
    return script_safe_json(payload)


#: Characters that could end or bend the script element (`</script>`, `<!--` starts the script-data escape state in
#: which a later `<script` swallows the page's own script) written as JSON escapes; JSON.parse reads them back.
_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def script_safe_json(payload: object) -> str:
    """JSON for a `<script type="application/json">` element: no `<`, `>` or `&` appears raw in it, whatever the
    names and titles in the data hold (they are inside JSON strings, so the escapes are always valid JSON).

    One `str.replace` per character (no escape contains another's character, so the order is free): `str.translate`
    with a table looks up every character of the page's JSON in Python, 10x slower on a 70 KB page (1.3 of the
    ≈8 s that 1,061 pages take at scale 10)."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    for char, escape in _SCRIPT_ESCAPES:
        text = text.replace(char, escape)
    return text


class UnsafePathError(DashboardError):
    """An output file name built from data (a team or employee id) would leave its folder."""


def inside(folder: Path, name: str) -> Path:
    """`folder / name`, refused unless it stays directly inside `folder`. Why: ids come from people's files and are
    checked at ingest, but a page path is the last place a `../` or a `/` in an id could write elsewhere."""
    path = folder / name
    if Path(name).name != name or name in {"", ".", ".."} or path.resolve().parent != folder.resolve():
        raise UnsafePathError(f"refusing to write {name!r}: it would leave {folder}")
    return path


def page_title(page: PageData, tx: Texts) -> str:
    """A page's title in the reader's language: data.py names the company page `Company` and a team's page
    `Team <name>`; a rep's page is their name and id (data, not translated)."""
    if page.scope.kind == "company":
        return tx._("Company")
    if page.scope.kind == "team":
        return tx._("Team {name}", name=page.title.removeprefix("Team "))
    return page.title


def write_dashboard_pages(data: DashboardData, out: Path, locale: str | None = None) -> Path:
    """Write index.html, teams/<team>.html and reps/<employee>.html under `out` in `locale` (default
    DEFAULT_LOCALE); returns index.html. The figures JSON embedded in each page does not depend on the locale."""
    tx = texts(locale, currency=data.freshness.get("reporting_currency") or "CNY")
    env = _environment(tx)
    template = env.get_template("page.html.j2")
    (out / "teams").mkdir(parents=True, exist_ok=True)
    (out / "reps").mkdir(parents=True, exist_ok=True)
    links = _links(data)
    team_names = {p.scope.key: page_title(p, tx) for p in data.teams}
    pages = [(data.company, out / "index.html", "")]
    pages += [(p, inside(out / "teams", f"{p.scope.key}.html"), "../") for p in data.teams]
    pages += [(p, inside(out / "reps", f"{p.scope.key}.html"), "../") for p in data.reps]
    for page, path, root in pages:
        html = template.render(
            data=data,
            page=page,
            t=page.tables,
            f=lambda key, kind, page=page: _figure(page, key, kind, tx),
            m=lambda column, kind, page=page: _mart_figure(page, column, kind, tx),
            charts=_charts(page, data.bonus_threshold, tx),
            root=root,
            links=links,
            team_names=team_names,
            metric_labels=METRIC_LABELS,
            bonus_threshold=data.bonus_threshold,
            figures_json=Markup(_page_json(data, page)),
            generated_for=tx.month(data.month),
            lang=tx.html_lang,
            title=page_title(page, tx),
            month_end=_month_end(data.month),
        )
        path.write_text(html, encoding="utf-8")
    return out / "index.html"


def _month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)
