"""Sales expenses (Concur / ERP expense-report lines): the cost of sales against the 8 % policy.

Every rep files a few expense lines a month while employed: travel most often, then entertainment, marketing
(events, campaigns) and other. Amounts in CNY, drawn so a typical rep spends a few percent of bookings and some
months run over the 8 % policy. Drawn from a stream of its own (`expenses`), after every other extract, so adding it
changed no other generated file.
"""

from __future__ import annotations

import numpy as np

from dagster_project.extracts import BY_NAME

from .ids import seq_ids
from .people import Staff
from .table import Table
from .timeline import END, SPAN_MONTHS, month_end, month_start, stamp_on

CATEGORIES = np.array(["travel", "entertainment", "marketing", "other"], dtype=object)
#: Share of the lines and the mean amount (CNY) of one line per category.
CATEGORY_P = (0.5, 0.25, 0.15, 0.10)
MEAN_AMOUNT = np.array([1_800.0, 1_200.0, 6_000.0, 400.0])


def expense_table(staff: Staff, rng: np.random.Generator) -> Table:
    """About three expense lines per rep and month employed, dated within the month."""
    reps = staff.reps
    n_months = len(SPAN_MONTHS)
    counts = rng.poisson(3.0, (len(reps), n_months))
    emp = np.repeat(np.repeat(reps, n_months), counts.ravel())
    month = np.repeat(np.tile(SPAN_MONTHS, len(reps)), counts.ravel())
    start = month_start(month)
    length = month_end(month) - start + 1
    spent = start + np.floor(rng.random(len(emp)) * length).astype(np.int64)
    keep = staff.active(emp, spent) & (spent <= END)
    emp, spent = emp[keep], spent[keep]
    order = np.lexsort((emp, spent))
    emp, spent = emp[order], spent[order]
    m = len(emp)
    category = rng.choice(len(CATEGORIES), m, p=CATEGORY_P)
    cents = np.round(MEAN_AMOUNT[category] * rng.lognormal(0.0, 0.5, m) * 100).astype(np.int64)
    cols = {
        "expense_id": seq_ids("EX", np.arange(1, m + 1), 7),
        "employee_id": staff.emp_id[emp],
        "expense_date": spent,
        "category": CATEGORIES[category],
        "amount": cents,
        "currency": np.full(m, "CNY", dtype=object),
    }
    return Table(BY_NAME["finance__expense"], cols, np.arange(m), stamp_on(spent, rng), {"amount": 2}).finalize()
