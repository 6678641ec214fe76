"""Monthly average exchange rates to the reporting currency (CNY), and the conversions the generator needs.

Deals are sized in CNY and then expressed in the account's currency at the rate of the close month, so converting
back with the published `fx_rate` gives the intended CNY value. Rates drift a little each month inside realistic
bands (USD 7.10-7.30, EUR 7.70-8.00, HKD 0.910-0.930) so a conversion done with the wrong month is visible.
Every (month, currency) of 2023-01..2025-12 is published: a missing rate is a quality failure, never a default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dagster_project.extracts import BY_NAME

from .table import Table
from .timeline import DAY, SPAN_MONTHS, month_end, month_label

CURRENCIES = ("CNY", "USD", "EUR", "HKD")
_BANDS = ((1.0, 1.0, 1.0), (7.20, 7.10, 7.30), (7.85, 7.70, 8.00), (0.920, 0.910, 0.930))  # start, low, high


@dataclass
class FX:
    """Rates in micro-units (rate x 10**6), shape (currency, month of SPAN_MONTHS)."""

    micro: np.ndarray

    def rate(self, currency: np.ndarray, months: np.ndarray) -> np.ndarray:
        """CNY per unit of `currency` (index into CURRENCIES) in each month; months outside the span use the
        nearest published month (an open deal closing next year is valued at the latest rate: docs/sources.md)."""
        m = np.clip(np.asarray(months, np.int64) - SPAN_MONTHS[0], 0, len(SPAN_MONTHS) - 1)
        return self.micro[np.asarray(currency, np.int64), m] / 1e6


def build_fx(rng: np.random.Generator) -> FX:
    """A bounded random walk per currency, rounded to 6 decimals."""
    n = len(SPAN_MONTHS)
    micro = np.empty((len(CURRENCIES), n), np.int64)
    for c, (first, low, high) in enumerate(_BANDS):
        steps = rng.normal(0.0, 0.004 * first, n)
        steps[0] = 0.0
        path = np.clip(first + np.cumsum(steps), low, high)
        micro[c] = np.round(path * 1e6).astype(np.int64)
    return FX(micro)


def fx_table(fx: FX) -> Table:
    """All months x currencies in one table, each published on the last day of its month."""
    n_cur, n_m = fx.micro.shape
    cur = np.repeat(np.arange(n_cur), n_m)
    months = np.tile(SPAN_MONTHS, n_cur)
    order = np.lexsort((cur, months))
    cur, months = cur[order], months[order]
    stamps = month_end(months) * DAY + 10 * 3600
    cols = {
        "rate_month": month_label(months).astype(object),
        "currency": np.array(CURRENCIES, dtype=object)[cur],
        "rate_to_reporting": fx.micro[cur, months - SPAN_MONTHS[0]],
    }
    return Table(BY_NAME["finance__fx_rate"], cols, np.arange(len(cur)), stamps, {"rate_to_reporting": 6})
