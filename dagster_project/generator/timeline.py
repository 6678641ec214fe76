"""Dates, timestamps and the delivery calendar shared by every generator module.

Everything is held as int64 (days or seconds since 1970-01-01 UTC) so whole tables can be shifted, compared and
bucketed with numpy in one pass; text is produced only when a file is written. `NA` is the int64 minimum, which is
also numpy's NaT, so a missing date converts to NaT (and then to an empty field) without a mask.

Clock times are drawn inside Shanghai business hours (UTC+8, no DST) and stored in UTC, so the UTC date of a stamp
equals its company-time-zone date. The only exception is the handful of deals closed late in the evening of a month's
last day (see `pipeline`), which exercise the time-zone rule of docs/sources.md on purpose.
"""

from __future__ import annotations

import numpy as np

NA: int = int(np.iinfo(np.int64).min)
DAY: int = 86_400


def day(iso: str) -> int:
    """Days since epoch of an ISO date, e.g. day("2025-01-31")."""
    return int(np.datetime64(iso, "D").astype(np.int64))


START: int = day("2023-01-01")
END: int = day("2025-12-31")
FULL_CUTOFF: int = day("2024-12-31")
#: Shanghai is UTC+8 all year. A delivery dated D is cut at the end of D in company time (15:59:59 UTC), so no
#: stamp in it falls on the next business day (the warehouse's default as-of is the latest business date seen).
COMPANY_UTC_OFFSET: int = 8 * 3_600
END_SEC: int = (END + 1) * DAY - COMPANY_UTC_OFFSET - 1
FULL_CUTOFF_SEC: int = (FULL_CUTOFF + 1) * DAY - COMPANY_UTC_OFFSET - 1


def month_of(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each day (2023-01 -> 636)."""
    return np.asarray(days, np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_start(months: np.ndarray | int) -> np.ndarray:
    """First day (days since epoch) of each month index."""
    return np.asarray(months, np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def month_end(months: np.ndarray | int) -> np.ndarray:
    """Last day of each month index."""
    return month_start(np.asarray(months, np.int64) + 1) - 1


def month_index(iso_month: str) -> int:
    """Month index of "YYYY-MM"."""
    return int(np.datetime64(iso_month, "M").astype(np.int64))


SPAN_MONTHS: np.ndarray = np.arange(month_index("2023-01"), month_index("2025-12") + 1, dtype=np.int64)
DELIVERY_MONTHS: np.ndarray = np.arange(month_index("2025-01"), month_index("2025-12") + 1, dtype=np.int64)


def month_label(months: np.ndarray) -> np.ndarray:
    """"YYYY-MM" text of month indexes."""
    return np.datetime_as_string(np.asarray(months, np.int64).astype("datetime64[M]"))


def term_end(start: np.ndarray, months: int = 12) -> np.ndarray:
    """End date of a term of `months` starting on `start`: same day `months` later minus one day.

    2025-01-01 -> 2025-12-31, 2025-03-15 -> 2026-03-14; a day missing in the target month is clipped to its end.
    """
    start = np.asarray(start, np.int64)
    m = month_of(start)
    target = month_start(m + months) + (start - month_start(m))
    return np.minimum(target, month_end(m + months)) - 1


def business_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Second of the UTC day for a time between 08:30 and 19:00 in Shanghai (00:30-11:00 UTC)."""
    return rng.integers(30 * 60, 11 * 3600, n, dtype=np.int64)


def stamp_on(days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A business-hours timestamp (seconds UTC) on each given day."""
    days = np.asarray(days, np.int64)
    return days * DAY + business_seconds(rng, len(days))


def weekday(days: np.ndarray) -> np.ndarray:
    """0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday)."""
    return (np.asarray(days, np.int64) + 3) % 7


def to_workday(days: np.ndarray) -> np.ndarray:
    """Move Saturdays back to Friday and Sundays forward to Monday: sales work happens on weekdays."""
    days = np.asarray(days, np.int64)
    wd = weekday(days)
    return days - (wd == 5) + (wd == 6)


def quarter_end_push(days: np.ndarray, rng: np.random.Generator, share: float = 0.35) -> np.ndarray:
    """Move a share of dates forward into the last month of their quarter, late in that month.

    Sales teams close deals to make the quarter, so closes bunch in March, June, September and December; dates are
    only ever moved forward so a close never precedes its creation.
    """
    days = np.asarray(days, np.int64)
    m = month_of(days)
    last = m - (m % 3) + 2  # month_of counts from 1970-01, a quarter start, so m % 3 is the month within quarter
    move = (m != last) & (rng.random(len(days)) < share)
    back = np.floor(rng.random(len(days)) ** 2 * 28).astype(np.int64)
    moved = month_end(last) - back
    return np.where(move, np.maximum(moved, days), days)


def quarter_label(months: np.ndarray) -> np.ndarray:
    """"2025Q3" text of month indexes."""
    months = np.asarray(months, np.int64)
    year = 1970 + months // 12
    q = (months % 12) // 3 + 1
    return np.strings.add(np.strings.add(year.astype(str), "Q"), q.astype(str))
