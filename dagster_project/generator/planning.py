"""Monthly targets per rep: revenue (CNY) and weighted new customers.

Attainment, the performance bonus tiers and the new-customer component all divide by these, so targets are set the
way a sales-ops planner would: from the rep's expected monthly bookings (their average over the months they work,
ramped up over a new hire's first six months), shaped by quarter seasonality and raised 0-20% as a stretch for each
plan year. Deals are lumpy, so monthly attainment spreads widely (well below 80% to well above 120%) while
quarterly figures are steadier. Targets for a year are published on 15 December of the year before (or when the rep
joins); a few reps get their second-half 2025 revenue targets revised on 1 July 2025 (a new version), and a
couple of reps have months with no revenue target at all (the pay statement must say why there is no bonus).
"""

from __future__ import annotations

import numpy as np

from dagster_project.extracts import BY_NAME

from .accounts import Accounts
from .people import Staff
from .pipeline import Deals
from .table import Table
from .timeline import DAY, END, NA, SPAN_MONTHS, day, month_end, month_label, month_of, month_start

TIER_WEIGHT = np.array([2.0, 1.5, 1.0, 1.0])  # A, B, C, unknown (docs/metrics.md)
SEASON = np.array([0.85, 0.9, 1.25])  # months 1-3 of a quarter


def target_table(staff: Staff, deals: Deals, accts: Accounts, rng: np.random.Generator) -> Table:
    """Revenue and new_customers targets for every rep and month they are employed in."""
    reps = staff.reps
    n_emp = len(staff.emp_id)
    n_m = len(SPAN_MONTHS)
    first_year = SPAN_MONTHS[0] // 12
    booked = np.flatnonzero(deals.booked & (deals.close_day <= END))
    b_year = np.clip(month_of(deals.close_day[booked]) // 12 - first_year, 0, 2)
    bookings = np.zeros((n_emp, 3))
    np.add.at(bookings, (deals.owner[booked], b_year), deals.amount_cny[booked] / 100)

    # developed accounts: first won deal of each account, credited to its owner, weighted by tier
    won = booked[deals.acc[booked] >= 0]
    won = won[np.lexsort((deals.close_day[won], deals.acc[won]))]
    _, first_at = np.unique(deals.acc[won], return_index=True)
    first = won[first_at]
    developed = np.zeros((n_emp, 3))
    d_year = np.clip(month_of(deals.close_day[first]) // 12 - first_year, 0, 2)
    np.add.at(developed, (deals.owner[first], d_year), TIER_WEIGHT[accts.tier[deals.acc[first]]])

    rep_m = np.repeat(reps, n_m)
    months = np.tile(SPAN_MONTHS, len(reps))
    m_start, m_end = month_start(months), month_end(months)
    term = staff.term[rep_m]
    employed = (staff.hire[rep_m] <= m_end) & ((term == NA) | (term >= m_start))
    rep_m, months = rep_m[employed], months[employed]
    n = len(rep_m)
    year = months // 12
    yi = year - first_year
    worked = np.zeros((n_emp, 3))
    np.add.at(worked, (rep_m, yi), 1)
    # expected monthly bookings of each rep in each plan year (what the planner forecasts)
    avg_book = np.divide(bookings, worked, out=np.zeros_like(bookings), where=worked > 0)
    avg_dev = np.divide(developed, worked, out=np.zeros_like(developed), where=worked > 0)
    full_years = avg_book[worked >= 6]
    typical = float(np.median(full_years)) if len(full_years) else 100_000.0
    avg_book = np.where(worked >= 6, avg_book, np.maximum(avg_book, 0.6 * typical))

    tenure = months - month_of(staff.hire[rep_m])
    ramp = np.clip((tenure + 1) / 6, 1 / 6, 1.0)
    stretch = rng.uniform(1.0, 1.2, (n_emp, 3))[rep_m, yi]
    revenue = avg_book[rep_m, yi] * SEASON[months % 3] * stretch * ramp
    revenue = np.maximum(np.round(revenue / 1000) * 1000, 10_000)
    newcust = np.maximum(np.round(avg_dev[rep_m, yi] * rng.uniform(1.0, 1.3, n) * ramp * 2) / 2, 0.5)

    # published on 15 December of the year before, or on the hire date for a rep who joins later
    plan_day = np.maximum(month_start((year - 1) * 12 + 11) + 14, staff.hire[rep_m])
    plan_sec = plan_day * DAY + 2 * 3600 + rng.integers(0, 3600, n)

    metric = np.concatenate([np.zeros(n, np.int64), np.ones(n, np.int64)])
    emp = np.concatenate([rep_m, rep_m])
    mon = np.concatenate([months, months])
    value = np.concatenate([(revenue * 100).astype(np.int64), (newcust * 100).astype(np.int64)])
    sec = np.concatenate([plan_sec, plan_sec])

    # a couple of reps have months without a revenue target (planning gap)
    eligible = np.unique(rep_m[(staff.hire[rep_m] < day("2024-01-01")) & (staff.term[rep_m] == NA)])
    gaps = rng.choice(eligible, min(2, len(eligible)), replace=False)
    drop = np.zeros(len(emp), bool)
    first_gap = (2025 - 1970) * 12 + 3  # 2025-04 and 2025-05
    second_gap = (2024 - 1970) * 12 + 7  # 2024-08
    for g, months_off in zip(gaps, ((first_gap, first_gap + 1), (second_gap,))[: len(gaps)], strict=True):
        drop |= (metric == 0) & (emp == g) & np.isin(mon, months_off)
    emp, mon, metric, value, sec = emp[~drop], mon[~drop], metric[~drop], value[~drop], sec[~drop]

    # mid-year revision of H2 2025 revenue targets for ~10% of reps (a later version of the same key)
    revised_reps = rng.choice(reps, max(1, round(0.1 * len(reps))), replace=False)
    rev = np.flatnonzero(np.isin(emp, revised_reps) & (metric == 0) & (mon >= (2025 - 1970) * 12 + 6)
                         & (sec < day("2025-07-01") * DAY))
    rev_value = (np.round(value[rev] * rng.uniform(0.85, 1.1, len(rev)) / 100_000) * 100_000).astype(np.int64)
    rev_sec = np.full(len(rev), day("2025-07-01") * DAY + 3 * 3600)
    emp = np.concatenate([emp, emp[rev]])
    mon = np.concatenate([mon, mon[rev]])
    metric = np.concatenate([metric, metric[rev]])
    value = np.concatenate([value, rev_value])
    sec = np.concatenate([sec, rev_sec])

    keep = sec <= (END + 1) * DAY - 1
    emp, mon, metric, value, sec = emp[keep], mon[keep], metric[keep], value[keep], sec[keep]
    rec = emp * 10_000 + (mon - SPAN_MONTHS[0]) * 2 + metric
    cols = {
        "employee_id": staff.emp_id[emp],
        "period_month": month_label(mon).astype(object),
        "metric": np.array(["revenue", "new_customers"], dtype=object)[metric],
        "target_value": value,
    }
    return Table(BY_NAME["planning__target"], cols, rec, sec).finalize()
