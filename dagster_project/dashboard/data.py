"""The dashboard's figures, read from the published marts (schema `marts`) only.

Every figure on a page is a column of a mart (docs/architecture.md, The dashboard): this module selects them and
arranges them per page; it computes none (tests/test_python_layers.py::test_the_dashboard_computes_no_figure checks
it). The panels whose grain no monthly mart has (funnel, AR aging, DSO and CSAT, new customers, attainment
distribution, review cycle) are rows of the scoped mart_dashboard_* marts, one row per scope (`scope` company,
team or rep). The monthly figures of every scope are its row of its monthly mart (mart_company_monthly_kpis,
mart_team_monthly_kpis, mart_rep_monthly_kpis), read with `select *`, so a column added to the mart reaches the
template as `m('column', format)`. Each query is asked once per scope kind, not once per page: one for the company,
one for all teams (keyed by team_id) and one for all reps (keyed by employee_id), and each page takes its rows from
the answer (`ByScope`). That is 47 queries per dashboard at any scale (71 before the monthly figures moved into the
marts; ≈18 per page before that).

The connection is read-only and opened after dbt has finished (DuckDB admits one writer; docs/pitfalls.md 7). No query
selects a salary or pay column: pay stays in `spm export-statements` (the one pay-derived figure is the company's
incentive cost ratio of the cost-of-sales panel, every rep's pay lines over the company's bookings: `_cost_of_sales`).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, TypeVar

import duckdb

from dagster_project import db

# The lower edges of mart_dashboard_attainment's buckets, for render.py's threshold marker only (the counts are the
# mart's; tests/test_dashboard.py checks the two agree).
ATTAINMENT_BUCKETS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2)
LEADERBOARD_SIZE = 10
TREND_MONTHS = 12
TREND_START = 1 - TREND_MONTHS  # the trend's first month, counted from the month shown
AT_RISK_LIMIT = 15  # at-risk accounts listed per page
SCOPE_KINDS = ("company", "team", "rep")

Row = dict[str, Any]
ScopeKey = str | None  # a team_id or an employee_id; None for the company, the one scope of its kind
T = TypeVar("T")


class DashboardError(ValueError):
    """The month cannot be shown (bad format, no data, marts missing)."""


@dataclass(frozen=True)
class Scope:
    """Whose figures a page shows: the company, one team, or one rep."""

    kind: str  # company | team | rep
    key: ScopeKey = None  # team_id or employee_id
    team_id: str | None = None  # a rep's team in the month


@dataclass(frozen=True)
class Period:
    """The month a dashboard shows and the quarter it falls in (figures read both)."""

    month: dt.date
    quarter: str  # like 2025Q4
    quarter_start: dt.date
    next_month: dt.date  # the first day after the month (weeks starting in the month)


@dataclass(frozen=True)
class ByScope(Generic[T]):
    """One query's answer for every scope of a kind, keyed by team_id / employee_id (None for the company).

    A scope the query has no rows for gets `missing`: what the same query asked for that scope alone returned (an
    aggregate's row of NULL sums and zero counts, [] for a table, {} for a lookup of one row), so a page without
    data reads exactly as when every page asked its own queries."""

    values: dict[ScopeKey, T]
    missing: T

    def __getitem__(self, key: ScopeKey) -> T:
        if key in self.values:
            return self.values[key]
        return copy.copy(self.missing)  # shared by every scope without rows: each page gets its own copy


@dataclass
class PageData:
    """The figures of one page: scalar figures (embedded as JSON and shown) and tables of rows."""

    scope: Scope
    title: str
    figures: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    mart: Row = field(default_factory=dict)  # the scope's row of its monthly mart, every column (not embedded)


@dataclass
class DashboardData:
    month: dt.date
    quarter: str
    freshness: Row
    bonus_threshold: float  # attainment below it earns no performance bonus (policy_payout_tiers, via the mart)
    company: PageData
    teams: list[PageData]
    reps: list[PageData]


def parse_month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as error:
        raise DashboardError(f"--month must look like 2025-11, got {text!r}") from error


def _plain(value: Any) -> Any:
    """JSON-friendly values: Decimal -> float, dates -> ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()]


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> Row:
    rows = _rows(con, sql, params)
    return rows[0] if rows else {}


def _quarter_of(month: dt.date) -> tuple[str, dt.date]:
    q = (month.month - 1) // 3
    return f"{month.year}Q{q + 1}", dt.date(month.year, 3 * q + 1, 1)


def _shift(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# --- one query per scope kind, rows handed out by key ------------------------------------------------------------
def _key(kind: str) -> str:
    """The column a kind's query is keyed by (`scope_key`); the company is one scope, keyed NULL."""
    return {"company": "null", "team": "team_id", "rep": "employee_id"}[kind]


def _tables_by_scope(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> ByScope[list[Row]]:
    """Each scope's rows of a query whose first column is `scope_key`, in the query's order (order by scope_key
    first, then what the page's table is ordered by)."""
    tables: dict[ScopeKey, list[Row]] = {}
    for row in _rows(con, sql, params):
        tables.setdefault(row.pop("scope_key"), []).append(row)
    return ByScope(tables, [])


def _lookup_by_scope(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> ByScope[Row]:
    """Each scope's row of a lookup whose first column is `scope_key` (at most one row per scope in the mart)."""
    found: dict[ScopeKey, Row] = {}
    for row in _rows(con, sql, params):
        found.setdefault(row.pop("scope_key"), row)
    return ByScope(found, {})


# --- the figures -------------------------------------------------------------------------------------------------
def _bonus_threshold(con: duckdb.DuckDBPyConnection, month: dt.date) -> float:
    """The attainment below which no performance bonus is paid in the month: the payout policy's, as the company
    mart reads it from policy_payout_tiers. A month without a policy in force is an error, not a default."""
    threshold = _one(con, "select bonus_threshold from marts.mart_company_monthly_kpis where month = ?",
                     [month]).get("bonus_threshold")
    if threshold is None:
        raise DashboardError(f"no bonus threshold for {month:%Y-%m} in marts.mart_company_monthly_kpis: "
                             "policy_payout_tiers has no tier below_threshold in force at the month's end")
    return threshold


def _rep_kpis(con: duckdb.DuckDBPyConnection, month: dt.date) -> list[Row]:
    """The month's rep rows, best bookings first (names from the current dim_sales_rep row); read once for all
    pages, which take their scope's rows (`_reps_by_scope`)."""
    return _rows(
        con,
        """
        select k.employee_id, r.full_name, k.team_id, k.bookings, k.revenue_target, k.attainment, k.won_count,
            k.win_rate, k.lead_conversion_rate, k.visits, k.calls, k.meetings, k.collection_rate,
            k.new_customers_weighted
        from marts.mart_rep_monthly_kpis k
        left join marts.dim_sales_rep r on r.employee_id = k.employee_id and r.is_current
        where k.month = ?
        order by k.bookings desc, k.employee_id
        """,
        [month],
    )


def _outside_sales_roles(con: duckdb.DuckDBPyConnection, quarter: str) -> set[str]:
    """Who gets no rep page (docs/dashboard.md, Each page fits its reader): the people the quarter's evaluation
    finds outside a sales role (policy_grading.eligible_job_levels: a manager, a supervisor). Their figures stay on
    their team's and the company's pages; a page of their own would be a page of ¥0 and dashes."""
    return {row["employee_id"] for row in _rows(
        con, "select employee_id from marts.mart_quarterly_evaluation where quarter = ? "
             "and ineligible_reason = 'not_sales_role'", [quarter])}


def _reps_by_scope(month_reps: list[Row], kind: str) -> ByScope[list[Row]]:
    """The rep rows of each scope, in the month's order: all of them, a team's (by the rep's team in the month's
    KPIs), or a rep's own."""
    if kind == "company":
        return ByScope({None: month_reps}, [])
    column = {"team": "team_id", "rep": "employee_id"}[kind]
    tables: dict[ScopeKey, list[Row]] = {}
    for row in month_reps:
        tables.setdefault(row[column], []).append(row)
    return ByScope(tables, [])


# The monthly mart of each scope kind: one row per scope and month holding the scope's headline figures.
MONTHLY_MARTS = {"company": "marts.mart_company_monthly_kpis", "team": "marts.mart_team_monthly_kpis",
                 "rep": "marts.mart_rep_monthly_kpis"}
# Page figure <- mart column, the same column in each scope kind's monthly mart: the headline (macro
# headline_windows), the month's outcomes and activities (team and company: macro scope_sums) and collection.
MONTHLY_FIGURES = (
    ("bookings_month", "bookings"), ("target_month", "revenue_target"), ("attainment_month", "attainment"),
    ("bookings_qtd", "bookings_qtd"), ("target_qtd", "revenue_target_qtd"), ("attainment_qtd", "attainment_qtd"),
    ("bookings_previous_month", "bookings_previous_month"),
    ("bookings_same_month_last_year", "bookings_same_month_last_year"), ("growth_mom", "growth_mom"),
    ("growth_yoy", "growth_yoy"),
    ("won", "won_count"), ("lost", "lost_count"), ("win_rate", "win_rate"), ("leads_created", "leads_created"),
    ("leads_converted", "leads_converted"), ("lead_conversion_rate", "lead_conversion_rate"),
    ("lead_conversion_is_final", "lead_conversion_is_final"), ("sales_cycle_days", "sales_cycle_days"),
    ("visits", "visits"), ("calls", "calls"), ("meetings", "meetings"), ("demos", "demos"),
    ("proposals", "proposals"), ("emails", "emails"), ("call_minutes", "call_minutes"),
    ("new_customers_weighted", "new_customers_weighted"), ("new_customers_target", "new_customers_target"),
    ("developed_accounts", "developed_accounts"),
    ("receivable_due", "receivable_due"), ("collected", "collected"), ("collection_rate", "collection_rate"),
    ("collection_target", "collection_target"),
)


def _monthly_rows(con: duckdb.DuckDBPyConnection, kind: str, month: dt.date) -> ByScope[Row]:
    """Every scope's row of its monthly mart, every column (`select *`): the page's monthly figures are named
    columns of it (MONTHLY_FIGURES), and the template reads any other column as `mart.<column>`, so a KPI column
    added to the mart reaches the page through the template alone (docs/architecture.md, Adding a KPI column)."""
    return _lookup_by_scope(con, f"select {_key(kind)} as scope_key, * from {MONTHLY_MARTS[kind]} where month = ?",
                            [month])


def _monthly_figures(row: Row) -> Row:
    """The page's monthly figures from its mart row: bookings, target and attainment of the month and the quarter
    to date, growth, outcomes, activities and collection (None each without a row)."""
    return {figure: row.get(column) for figure, column in MONTHLY_FIGURES}


def _attainment_distribution(con: duckdb.DuckDBPyConnection, kind: str, month: dt.date) -> ByScope[list[Row]]:
    """Each scope's seven attainment buckets of the month with its counts of reps with and without a target and
    below the bonus threshold (mart_dashboard_attainment; the threshold from policy_payout_tiers)."""
    return _tables_by_scope(
        con,
        f"""
        select {_key(kind)} as scope_key, low, high, reps, below_threshold, reps_with_target, reps_without_target,
            reps_below_bonus_threshold
        from marts.mart_dashboard_attainment
        where month = ? and {_scoped(kind)}
        order by scope_key, bucket_order
        """,
        [month],
    )


DISTRIBUTION = ("reps_with_target", "reps_without_target", "reps_below_bonus_threshold")


def _attainment_panel(rows: list[Row]) -> tuple[list[Row], Row]:
    """The chart's buckets, labelled from their edges, and the scope's counts (the same on every bucket row; 0 for a
    scope the mart has no row for)."""
    buckets = [{"bucket": f"{r['low']:.0%}–{r['high']:.0%}" if r["high"] is not None else f"≥ {r['low']:.0%}",
                "low": r["low"], "reps": r["reps"], "below_threshold": r["below_threshold"]} for r in rows]
    summary = {column: rows[0][column] if rows else 0 for column in DISTRIBUTION}
    return buckets, summary


def _scoped(kind: str) -> str:
    """The where clause picking one scope kind's rows of a scoped dashboard mart (mart_dashboard_*)."""
    return f"scope = '{kind}'"


def _funnel(con: duckdb.DuckDBPyConnection, kind: str, month: dt.date) -> ByScope[list[Row]]:
    """The month's stages of each scope, entries, advances and conversion (mart_dashboard_funnel)."""
    return _tables_by_scope(
        con,
        f"""
        select {_key(kind)} as scope_key, stage, stage_order, entered, advanced, conversion_rate
        from marts.mart_dashboard_funnel
        where month = ? and {_scoped(kind)}
        order by scope_key, stage_order
        """,
        [month],
    )


# The sales cycle and bookings of the trend, per scope kind: the monthly marts' own sales_cycle_days (from the won
# deals' days, never from the rates); a team's bookings are its reps' in the month (reps_bookings, team at month end).
# The company and team rows of months without rep rows are left out.
CYCLE_TREND = {
    "company": "select null as scope_key, month, sales_cycle_days, bookings from marts.mart_company_monthly_kpis "
               "where reps > 0 and",
    "team": "select team_id as scope_key, month, sales_cycle_days, reps_bookings as bookings "
            "from marts.mart_team_monthly_kpis where reps > 0 and",
    "rep": "select employee_id as scope_key, month, sales_cycle_days, bookings from marts.mart_rep_monthly_kpis where",
}


def _cycle_trend(con: duckdb.DuckDBPyConnection, kind: str, month: dt.date) -> ByScope[list[Row]]:
    """The TREND_MONTHS months up to the month shown, each scope's rows of its monthly mart."""
    return _tables_by_scope(con, f"{CYCLE_TREND[kind]} month between ? and ? order by scope_key, month",
                            [_shift(month, TREND_START), month])


def _ar_aging(con: duckdb.DuckDBPyConnection, kind: str) -> ByScope[list[Row]]:
    """Open balances by bucket as of the run (mart_dashboard_ar_aging; a team's by its reps now)."""
    return _tables_by_scope(
        con,
        f"""
        select {_key(kind)} as scope_key, aging_bucket, invoices, open_balance
        from marts.mart_dashboard_ar_aging
        where {_scoped(kind)}
        order by scope_key, bucket_order
        """,
    )


def _quarterly(con: duckdb.DuckDBPyConnection, kind: str, quarter: str, columns: Row) -> ByScope[Row]:
    """Each scope's `columns` of its mart_dashboard_quarterly row; a scope without one gets `columns`' values (what
    the mart's aggregates give over no rows: null sums, zero counts)."""
    found = _lookup_by_scope(con, f"select {_key(kind)} as scope_key, {', '.join(columns)} "
                                  f"from marts.mart_dashboard_quarterly where quarter = ? and {_scoped(kind)}",
                             [quarter])
    return ByScope(found.values, dict(columns))


def _dso(con: duckdb.DuckDBPyConnection, kind: str, quarter: str) -> ByScope[Row]:
    """Median DSO of the scope's reps in the quarter and how many have one."""
    return _quarterly(con, kind, quarter, {"dso": None, "reps_with_dso": 0})


# CSAT of the quarter by the account's current owner (a team = its current reps).
CSAT_SOURCE = """
    marts.mart_customer_satisfaction s
    left join marts.dim_sales_rep r on r.employee_id = s.employee_id and r.is_current
    left join marts.dim_customer c on c.account_id = s.account_id
"""


def _csat_key(kind: str) -> str:
    return {"company": "null", "team": "r.team_id", "rep": "s.employee_id"}[kind]


def _csat(con: duckdb.DuckDBPyConnection, kind: str, quarter: str) -> ByScope[Row]:
    """CSAT of the quarter by the accounts' current owners: mean score, responses, accounts, accounts at risk."""
    return _quarterly(con, kind, quarter,
                      {"csat_score": None, "csat_responses": None, "accounts": 0, "at_risk_accounts": None})


def _at_risk(con: duckdb.DuckDBPyConnection, kind: str, quarter: str) -> ByScope[list[Row]]:
    """The AT_RISK_LIMIT lowest-CSAT at-risk accounts of each scope (numbered within the scope, then cut)."""
    key = _csat_key(kind)
    return _tables_by_scope(
        con,
        f"""
        select scope_key, account_id, account_name, tier, employee_id, csat_score, csat_responses from (
            select {key} as scope_key, s.account_id, c.account_name, c.tier, s.employee_id, s.csat_score,
                s.csat_responses, row_number() over (partition by {key} order by s.csat_score, s.account_id) as place
            from {CSAT_SOURCE}
            where s.quarter = ? and s.at_risk
        )
        where place <= {AT_RISK_LIMIT}
        order by scope_key, place
        """,
        [quarter],
    )


def _health(con: duckdb.DuckDBPyConnection, kind: str, quarter: str) -> ByScope[list[Row]]:
    """A rep page's accounts by health (docs/service.md, mart_customer_health), least healthy first; none elsewhere."""
    if kind != "rep":
        return ByScope({}, [])
    return _tables_by_scope(
        con,
        """
        select h.employee_id as scope_key, h.account_id, c.account_name, h.health_score, h.at_risk, h.csat_score,
            h.nps, h.complaints, h.followups, h.open_opportunities
        from marts.mart_customer_health h
        left join marts.dim_customer c on c.account_id = h.account_id
        where h.quarter = ? and h.employee_id is not null
        order by scope_key, h.health_score nulls last, h.account_id
        """,
        [quarter],
    )


def _new_customers_by_tier(con: duckdb.DuckDBPyConnection, kind: str, month: dt.date) -> ByScope[list[Row]]:
    """Customers developed in the month by tier (mart_dashboard_new_customers: a team's by the reps in its KPIs of
    that month)."""
    return _tables_by_scope(
        con,
        f"""
        select {_key(kind)} as scope_key, tier, accounts, weighted
        from marts.mart_dashboard_new_customers
        where month = ? and {_scoped(kind)}
        order by scope_key, tier
        """,
        [month],
    )


# The plan attainment panel (docs/dashboard.md): rows of mart_target_attainment of the month and the quarter. The
# company page breaks the company down by region, product line and customer tier; a team page shows the team and
# its region (the region of the team's monthly KPI row), the mart having no team-by-product-line rows.
PLAN_SCOPES = {
    "company": "a.scope in ('company', 'region', 'product_line', 'customer_tier')",
    "team": "((a.scope = 'team' and a.scope_value = k.team_id) or (a.scope = 'region' and a.scope_value = k.region))",
}
PLAN_FROM = {
    "company": "marts.mart_target_attainment a",
    "team": "marts.mart_target_attainment a join marts.mart_team_monthly_kpis k on k.month = ?",
}


def _plan_attainment(con: duckdb.DuckDBPyConnection, kind: str, period: Period) -> ByScope[list[Row]]:
    """Target, actual and attainment of revenue and new customers for the month and the quarter (grain month and
    quarter of mart_target_attainment), company and team pages only; a rep's month is its bookings panel."""
    if kind == "rep":
        return ByScope({}, [])
    key = "null" if kind == "company" else "k.team_id"
    params: list[Any] = [period.month] if kind == "team" else []
    return _tables_by_scope(
        con,
        f"""
        select {key} as scope_key, a.scope, a.scope_value, a.metric, a.grain, a.period, a.target, a.target_source,
            a.actual, a.attainment, a.is_target_missing, a.months_without_target, a.is_partial
        from {PLAN_FROM[kind]}
        where {PLAN_SCOPES[kind]} and a.metric in ('revenue', 'new_customers')
            and ((a.grain = 'month' and a.period = ?) or (a.grain = 'quarter' and a.period = ?))
        order by scope_key, a.metric desc, a.grain, case a.scope when 'company' then 1 when 'team' then 2
            when 'region' then 3 when 'product_line' then 4 else 5 end, a.scope_value
        """,
        [*params, f"{period.month:%Y-%m}", period.quarter],
    )


def _week_activity(con: duckdb.DuckDBPyConnection, kind: str, period: Period) -> ByScope[list[Row]]:
    """A rep's visits and calls of each ISO week starting in the month against the plan's policy target per rep and
    week (mart_target_attainment, scope rep, grain week); the last is the week in progress. Rep pages only."""
    if kind != "rep":
        return ByScope({}, [])
    return _tables_by_scope(
        con,
        """
        select scope_value as scope_key, period as week, period_start, metric, target, actual, attainment,
            is_target_missing, is_partial
        from marts.mart_target_attainment
        where scope = 'rep' and grain = 'week' and metric in ('visits', 'calls')
            and period_start >= ? and period_start < ?
        order by scope_key, period_start, metric desc
        """,
        [period.month, period.next_month],
    )


def _deal_output(con: duckdb.DuckDBPyConnection, kind: str, month: dt.date) -> ByScope[Row]:
    if kind == "rep":
        return _lookup_by_scope(con, "select employee_id as scope_key, bookings, won_count as won_deals, "
                                     "average_deal_size from marts.mart_rep_monthly_kpis where month = ?", [month])
    return _lookup_by_scope(con, f"select {_key(kind)} as scope_key, reps, bookings, won_deals, average_deal_size, "
                                 f"per_capita_bookings from marts.mart_deal_output where month = ? and scope = ?",
                            [month, kind])


def _competency_cycle(con: duckdb.DuckDBPyConnection, kind: str, quarter: str) -> ByScope[str | None]:
    """The latest review cycle up to the month's quarter (mart_dashboard_review_cycles): a rep's own; the teams' (one
    for all, the row without employee_id) otherwise."""
    if kind == "rep":
        rows = _rows(con, "select employee_id, review_cycle from marts.mart_dashboard_review_cycles "
                          "where quarter = ? and employee_id is not null", [quarter])
        return ByScope({row["employee_id"]: row["review_cycle"] for row in rows}, None)
    cycle = _one(con, "select review_cycle from marts.mart_dashboard_review_cycles "
                      "where quarter = ? and employee_id is null", [quarter]).get("review_cycle")
    return ByScope({}, cycle)


def _competency_gaps(con: duckdb.DuckDBPyConnection, kind: str, quarter: str) -> ByScope[list[Row]]:
    """The gaps of each scope's cycle (`_competency_cycle`, joined from mart_dashboard_review_cycles): a rep's own
    rows, a team's, the company's shared weaknesses."""
    if kind == "rep":
        return _tables_by_scope(
            con,
            """
            select g.employee_id as scope_key, g.competency, g.competency_score, g.gap_to_rep_mean, g.weakness_rank,
                g.is_weakest
            from marts.mart_competency_gaps g
            join marts.mart_dashboard_review_cycles c on c.employee_id = g.employee_id and c.review_cycle = g.quarter
            where c.quarter = ?
            order by g.employee_id, g.weakness_rank
            """,
            [quarter],
        )
    shared = " and t.is_shared_weakness" if kind == "company" else ""
    return _tables_by_scope(
        con,
        f"""
        select {_key(kind)} as scope_key, t.team_id, t.competency, t.reps_reviewed, t.reps_weak, t.weak_share,
            t.team_score, t.team_rank, t.is_shared_weakness
        from marts.mart_team_competency_gaps t
        join marts.mart_dashboard_review_cycles c on c.employee_id is null and c.review_cycle = t.quarter
        where c.quarter = ?{shared}
        order by scope_key, t.team_id, t.team_rank
        """,
        [quarter],
    )


def _month_champions(con: duckdb.DuckDBPyConnection, month: dt.date) -> list[Row]:
    """Every monthly champion of the month, all scopes, read once per dashboard: mart_awards is a view over the
    ranking models, and evaluating it once per page (120 pages at scale 1) took a third of the dashboard's time."""
    return _rows(
        con,
        """
        select a.scope, a.position, a.employee_id, r.full_name, a.team_id, a.metric, a.metric_value
        from marts.mart_awards a
        left join marts.dim_sales_rep r on r.employee_id = a.employee_id and r.is_current
        where a.award = 'monthly_champion' and a.period = ?
        order by a.scope, a.position, a.employee_id
        """,
        [f"{month:%Y-%m}"],
    )


def _champions(month_champions: list[Row], scope: Scope) -> list[Row]:
    """The champions a scope's page shows: all of them, a team's (by the award's team), or a rep's own."""
    column = {"company": None, "team": "team_id", "rep": "employee_id"}[scope.kind]
    return [row for row in month_champions if column is None or row[column] == scope.key]


def _segments(con: duckdb.DuckDBPyConnection, month: dt.date) -> list[Row]:
    return _rows(
        con,
        """
        select segment_type, segment, leads_created, leads_converted, lead_conversion_rate, lead_conversion_is_final,
            won_count,
            lost_count, win_rate, average_deal_size, is_weakest_lead_conversion, is_weakest_win_rate
        from marts.mart_segment_conversion where month = ? order by segment_type, segment
        """,
        [month],
    )


REPURCHASE = ("quarter", "prior_customers", "repurchasing_customers", "repurchase_rate", "is_final")


def _repurchase(con: duckdb.DuckDBPyConnection, quarter: str) -> Row:
    """The quarter's repurchase row; a quarter without one (no accounts bought in the previous quarter, a company
    with a few deals) gets every figure as None, so the page shows its empty state instead of failing."""
    row = _one(con, f"select {', '.join(REPURCHASE)} from marts.mart_customer_repurchase where quarter = ?", [quarter])
    return row or dict.fromkeys(REPURCHASE)


PEER_METRICS = ("bookings", "attainment", "win_rate", "lead_conversion_rate", "visits", "collection_rate",
                "new_customers_weighted")


def _peer_comparison(rep: Row, team_mart: Row) -> list[Row]:
    """A rep against the team average and the team's best on the same month (the 'vertical and horizontal' view):
    the rep's own row and the team's mart_team_monthly_kpis row (<metric>_rep_average, <metric>_rep_best)."""
    return [{"metric": metric, "rep": rep[metric], "team_average": team_mart.get(f"{metric}_rep_average"),
             "team_best": team_mart.get(f"{metric}_rep_best")} for metric in PEER_METRICS]


# The cost-of-sales panel's columns of mart_cost_of_sales (docs/incentives.md, Cost of sales): expenses by category,
# bookings and the expense ratio against the policy ceiling. incentive_cost_ratio is pay (BI class `pay`): read for the
# company only, the sum over every rep; a team's is a handful of people's pay over their bookings, so no team page
# shows it (docs/dashboard.md, Cost of sales). The absolute incentive_cost is read for no page.
COST_OF_SALES_TEAM = ("grain", "period", "travel_expenses", "marketing_expenses", "entertainment_expenses",
                      "other_expenses", "expenses", "bookings", "expense_ratio", "max_expense_ratio", "is_over_policy")
COST_OF_SALES = {"company": (*COST_OF_SALES_TEAM, "incentive_cost_ratio"), "team": COST_OF_SALES_TEAM}
COST_OF_SALES_KEY = {"company": "null", "team": "scope_id"}


def _cost_of_sales(con: duckdb.DuckDBPyConnection, kind: str, period: Period) -> ByScope[list[Row]]:
    """Each company or team scope's month row then quarter row of mart_cost_of_sales (the quarter row is the quarter
    as far as the data goes); none for a rep page, which shows no cost of sales (managers' panel)."""
    if kind not in COST_OF_SALES:
        return ByScope({}, [])
    columns = ", ".join(COST_OF_SALES[kind])
    return _tables_by_scope(
        con,
        f"""
        select {COST_OF_SALES_KEY[kind]} as scope_key, {columns}
        from marts.mart_cost_of_sales
        where scope = ? and ((grain = 'month' and period_start = ?) or (grain = 'quarter' and period = ?))
        order by scope_key, grain
        """,
        [kind, period.month, period.quarter],
    )


@dataclass(frozen=True)
class KindFigures:
    """Every figure and table of one scope kind's pages, each read by one query for all scopes of the kind."""

    reps: ByScope[list[Row]]
    monthly: ByScope[Row]
    dso: ByScope[Row]
    csat: ByScope[Row]
    at_risk: ByScope[list[Row]]
    deal_output: ByScope[Row]
    competency_cycle: ByScope[str | None]
    competency_gaps: ByScope[list[Row]]
    funnel: ByScope[list[Row]]
    cycle_trend: ByScope[list[Row]]
    ar_aging: ByScope[list[Row]]
    new_customers_by_tier: ByScope[list[Row]]
    attainment: ByScope[list[Row]]
    health: ByScope[list[Row]]
    cost_of_sales: ByScope[list[Row]]
    plan_attainment: ByScope[list[Row]]
    week_activity: ByScope[list[Row]]


def _read_kind(con: duckdb.DuckDBPyConnection, kind: str, period: Period, month_reps: list[Row]) -> KindFigures:
    month, quarter = period.month, period.quarter
    return KindFigures(
        reps=_reps_by_scope(month_reps, kind),
        monthly=_monthly_rows(con, kind, month),
        dso=_dso(con, kind, quarter),
        csat=_csat(con, kind, quarter),
        at_risk=_at_risk(con, kind, quarter),
        deal_output=_deal_output(con, kind, month),
        competency_cycle=_competency_cycle(con, kind, quarter),
        competency_gaps=_competency_gaps(con, kind, quarter),
        funnel=_funnel(con, kind, month),
        cycle_trend=_cycle_trend(con, kind, month),
        ar_aging=_ar_aging(con, kind),
        new_customers_by_tier=_new_customers_by_tier(con, kind, month),
        attainment=_attainment_distribution(con, kind, month),
        health=_health(con, kind, quarter),
        cost_of_sales=_cost_of_sales(con, kind, period),
        plan_attainment=_plan_attainment(con, kind, period),
        week_activity=_week_activity(con, kind, period),
    )


def _page(kind: KindFigures, scope: Scope, title: str, month_champions: list[Row]) -> PageData:
    """One page from its kind's figures: no query here."""
    key = scope.key
    page = PageData(scope, title)
    reps = kind.reps[key]
    page.mart = kind.monthly[key]
    page.figures.update(_monthly_figures(page.mart))
    page.figures.update({f"dso_{k}": v for k, v in kind.dso[key].items()})
    page.figures.update(kind.csat[key])
    page.figures.update({f"output_{k}": v for k, v in kind.deal_output[key].items()})
    buckets, distribution = _attainment_panel(kind.attainment[key])
    page.figures.update(distribution)
    page.figures["competency_cycle"] = kind.competency_cycle[key]
    page.tables.update({
        "reps": reps,
        "leaderboard": reps[:LEADERBOARD_SIZE],
        "attainment_buckets": buckets,
        "funnel": kind.funnel[key],
        "cycle_trend": kind.cycle_trend[key],
        "ar_aging": kind.ar_aging[key],
        "at_risk": kind.at_risk[key],
        "new_customers_by_tier": kind.new_customers_by_tier[key],
        "competency_gaps": kind.competency_gaps[key],
        "champions": _champions(month_champions, scope),
        "health": kind.health[key],
        "cost_of_sales": kind.cost_of_sales[key],
        "plan_attainment": kind.plan_attainment[key],
        "week_activity": kind.week_activity[key],
    })
    return page


def load_dashboard(warehouse: Path, month_text: str) -> DashboardData:
    """All pages of one month. Raises DashboardError when the warehouse or the month has no data."""
    month = parse_month(month_text)
    try:
        with db.connect(warehouse) as con:
            return _load_pages(con, warehouse, month)
    except FileNotFoundError as error:  # only db.connect raises it: DuckDB's own errors are duckdb.Error
        raise DashboardError(str(error)) from None


def _load_pages(con: duckdb.DuckDBPyConnection, warehouse: Path, month: dt.date) -> DashboardData:
    """The company, team and rep pages of a month, read over one open read-only connection.

    The figures are read once per scope kind (`_read_kind`), then each page takes its rows by key."""
    period = Period(month, *_quarter_of(month), _shift(month, 1))
    try:
        freshness = _one(con, "select * from marts.mart_data_freshness")
        # The months of the data: a rep's KPIs, a deal or a lead, the months mart_company_monthly_kpis has a row
        # for (a company that delivered only CRM extracts has no rep rows, and a quiet month inside the range has
        # none of any: both render with their empty states).
        company_months = f"select month from {MONTHLY_MARTS['company']} order by month"
        months = {"first": _one(con, f"{company_months} limit 1").get("month"),
                  "last": _one(con, f"{company_months} desc limit 1").get("month")}
    except duckdb.CatalogException as error:
        raise DashboardError(f"{warehouse} has no dashboard marts ({error}): run `spm run`") from error
    if months["first"] is None or not str(months["first"]) <= month.isoformat() <= str(months["last"]):
        raise DashboardError(f"no data for {month:%Y-%m} in {warehouse} "
                             f"(months with data: {months['first']} .. {months['last']})")
    champions = _month_champions(con, month)
    threshold = _bonus_threshold(con, month)
    month_reps = _rep_kpis(con, month)
    company_figures, team_figures, rep_figures = (_read_kind(con, kind, period, month_reps) for kind in SCOPE_KINDS)

    company = _page(company_figures, Scope("company"), "Company", champions)
    company.tables["segments"] = _segments(con, month)
    company.figures.update({f"repurchase_{k}": v for k, v in _repurchase(con, period.quarter).items()})
    team_rows = _rows(con, "select team_id, team_name from marts.mart_team_monthly_kpis where month = ? "
                           "order by team_id", [month])
    teams = [_page(team_figures, Scope("team", t["team_id"]), f"Team {t['team_name'] or t['team_id']}", champions)
             for t in team_rows]
    reps = []
    outside_sales = _outside_sales_roles(con, period.quarter)
    for team in teams:
        for rep in team.tables["reps"]:
            if rep["employee_id"] in outside_sales:
                continue
            rep_page = _page(rep_figures, Scope("rep", rep["employee_id"], team.scope.key),
                             f"{rep['full_name'] or rep['employee_id']} ({rep['employee_id']})", champions)
            rep_page.tables["peers"] = _peer_comparison(rep, team.mart)
            reps.append(rep_page)
    return DashboardData(month, period.quarter, freshness, threshold, company, teams, reps)
