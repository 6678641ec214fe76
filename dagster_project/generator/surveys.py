"""Customer satisfaction answers and 360-degree reviews: the qualitative half of grading.

- CSAT: every quarter a sample of the accounts under contract answers (questionnaire, WeCom or phone) in the
  quarter's last month; the answer is credited to the account owner of that day. Scores are 0-100, mostly 70-100,
  higher for skilled owners and key accounts, with a tail of unhappy customers (< 80 at risk, >= 90 referral).
- 360 reviews: every graded-looking rep in every cycle 2023Q1..2025Q4 gets self and manager rows on all six
  competencies, customer rows on the selling competencies and peer rows on the collaboration ones (1-5). A few
  rep-cycles lack the customer, peer or even the manager group, so the weight rescaling of docs/evaluation.md is used.
  Reviews are submitted in the month after the quarter, except 2025Q4, submitted in the last two weeks of December
  2025 (the year-end review is run early so the data can hold it).
"""

from __future__ import annotations

import numpy as np

from dagster_project.extracts import BY_NAME, COMPETENCIES

from .accounts import Accounts
from .ids import seq_ids
from .people import Staff
from .table import Table
from .timeline import DAY, END, NA, SPAN_MONTHS, business_seconds, month_end, month_start, quarter_label

CHANNELS = np.array(["questionnaire", "wecom", "phone"], dtype=object)
SELLING = np.array([0, 1, 2])  # needs_discovery, negotiation, product_knowledge: what a customer can judge
TEAMWORK = np.array([4, 5, 3])  # collaboration, knowledge_sharing, digital_tools: what a peer can judge


def csat_table(accts: Accounts, staff: Staff, segments: tuple[np.ndarray, ...], rng: np.random.Generator) -> Table:
    """Quarterly CSAT answers from about 35% of the accounts covered in mid-quarter."""
    seg_acc, seg_start, seg_end = segments[0], segments[1], segments[2]
    acc_l, day_l = [], []
    for q in range(len(SPAN_MONTHS) // 3):
        first_month = SPAN_MONTHS[3 * q]
        mid = month_start(first_month) + 45
        covered = np.unique(seg_acc[(seg_start <= mid) & (seg_end >= mid)])
        answered = covered[rng.random(len(covered)) < 0.35]
        last_start = month_start(first_month + 2)
        length = month_end(first_month + 2) - last_start + 1
        acc_l.append(answered)
        day_l.append(last_start + np.floor(rng.random(len(answered)) * length).astype(np.int64))
    acc = np.concatenate(acc_l)
    survey = np.minimum(np.concatenate(day_l), END)
    n = len(acc)
    owner = accts.owner_at(acc, survey)
    base = 86 + 14 * (staff.skill[owner] - 1) + np.array([2.0, 0.0, -1.0, 0.0])[accts.tier[acc]]
    unhappy = rng.random(n) < 0.08
    overall = np.clip(np.round(base - np.where(unhappy, rng.uniform(10, 35, n), 0) + rng.normal(0, 5, n)), 0, 100)
    subs = [np.clip(np.round(overall + rng.normal(0, 5, n)), 0, 100) for _ in range(3)]
    cols = {
        "response_id": seq_ids("CS", np.arange(1, n + 1), 7),
        "account_id": accts.ids[acc].astype(object),
        "employee_id": staff.emp_id[owner],
        "survey_date": survey,
        "solution_fit": subs[0].astype(np.int64),
        "response_speed": subs[1].astype(np.int64),
        "problem_resolution": subs[2].astype(np.int64),
        "overall_score": overall.astype(np.int64),
        "channel": CHANNELS[rng.choice(3, n, p=[0.5, 0.35, 0.15])],
    }
    decimals = {k: 0 for k in ("solution_fit", "response_speed", "problem_resolution", "overall_score")}
    stamp = survey * DAY + business_seconds(rng, n)
    return Table(BY_NAME["surveys__csat_response"], cols, np.arange(n), stamp, decimals).finalize()


def review_table(accts: Accounts, staff: Staff, rng: np.random.Generator) -> Table:
    """360 review rows for every rep employed through each cycle (hired at least a month before its end)."""
    reps = staff.reps
    by_owner = np.lexsort((np.arange(len(accts)), accts.owner))
    owner_sorted = accts.owner[by_owner]
    parts: list[tuple[np.ndarray, ...]] = []  # (reviewee, reviewer text, type, competency, submitted second)
    forced_missing_manager = False
    for q in range(len(SPAN_MONTHS) // 3):
        first_month = SPAN_MONTHS[3 * q]
        q_end = month_end(first_month + 2)
        term = staff.term[reps]
        ok = (staff.hire[reps] <= q_end - 30) & ((term == NA) | (term >= q_end))
        r = reps[ok]
        k = len(r)
        lacks = rng.random((k, 3)) < np.array([0.01, 0.06, 0.05])  # manager, customer, peer
        if not forced_missing_manager and q == 9 and k:
            lacks[0, 0] = True  # at least one rep-cycle without a manager review
            forced_missing_manager = True
        last_cycle = q == len(SPAN_MONTHS) // 3 - 1
        sub_lo, sub_len = (int(q_end) - 16, 16) if last_cycle else (int(q_end) + 1, 20)
        manager = staff.manager_on(r, np.full(k, q_end))

        window = (sub_lo, sub_len)
        all_c = np.arange(len(COMPETENCIES))
        parts.append(_rows(r, staff.emp_id[r], 0, all_c, window, rng))
        has_m = ~lacks[:, 0]
        parts.append(_rows(r[has_m], staff.emp_id[manager[has_m]], 1, all_c, window, rng))
        # customers: one or two of the rep's accounts
        first = np.searchsorted(owner_sorted, r, side="left")
        count = np.searchsorted(owner_sorted, r, side="right") - first
        n_cust = np.where(lacks[:, 1] | (count == 0), 0, rng.integers(1, 3, k))
        who = np.repeat(r, n_cust)
        pick = np.repeat(first, n_cust) + np.floor(rng.random(len(who)) * np.repeat(count, n_cust)).astype(np.int64)
        parts.append(_rows(who, accts.ids[by_owner[pick]], 2, SELLING, window, rng))
        # peers: two other reps (teammates when the team has them)
        n_peer = np.where(lacks[:, 2], 0, 2)
        who = np.repeat(r, n_peer)
        team = staff.team_on(who, np.full(len(who), q_end))
        peer = np.full(len(who), -1, np.int64)
        todo = np.arange(len(who))
        for attempt in range(60):
            if not len(todo):
                break
            cand = rng.choice(r, len(todo))
            good = cand != who[todo]
            if attempt < 40:
                good &= staff.team_on(cand, np.full(len(todo), q_end)) == team[todo]
            peer[todo[good]] = cand[good]
            todo = todo[~good]
        parts.append(_rows(who, staff.emp_id[peer], 3, TEAMWORK, window, rng))

    reviewee = np.concatenate([p[0] for p in parts])
    reviewer = np.concatenate([p[1].astype(object) for p in parts])
    rtype = np.concatenate([p[2] for p in parts])
    comp = np.concatenate([p[3] for p in parts])
    submitted = np.minimum(np.concatenate([p[4] for p in parts]), (END + 1) * DAY - 1)
    n = len(reviewee)
    bias = np.array([0.35, 0.0, 0.15, 0.1])[rtype]
    score = np.clip(np.round(3.3 + 1.6 * (staff.skill[reviewee] - 1) + bias + rng.normal(0, 0.7, n)), 1, 5)
    cols = {
        "review_id": seq_ids("RV", np.arange(1, n + 1), 8),
        "cycle": _cycle_of(parts),
        "reviewee_employee_id": staff.emp_id[reviewee],
        "reviewer_type": np.array(["self", "manager", "customer", "peer"], dtype=object)[rtype],
        "reviewer_id": reviewer,
        "competency": np.array(COMPETENCIES, dtype=object)[comp],
        "score": score.astype(np.int64),
        "submitted_at": submitted,
    }
    return Table(BY_NAME["surveys__review_360"], cols, np.arange(n), submitted.copy(), {"score": 0}).finalize()


def _rows(who: np.ndarray, reviewer: np.ndarray, rtype: int, comps: np.ndarray, window: tuple[int, int],
          rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Rows of one reviewer group: each reviewer scores `comps` in one sitting inside the submission window."""
    m = len(comps)
    sub_lo, sub_len = window
    subm = (sub_lo + rng.integers(0, sub_len, len(who))) * DAY + business_seconds(rng, len(who))
    return (np.repeat(who, m), np.repeat(reviewer, m), np.full(len(who) * m, rtype), np.tile(comps, len(who)),
            np.repeat(subm, m))


def _cycle_of(parts: list[tuple[np.ndarray, ...]]) -> np.ndarray:
    """Cycle label of every row: parts come four per cycle (self, manager, customer, peer), in cycle order."""
    labels = quarter_label(SPAN_MONTHS[::3]).astype(object)
    return np.concatenate([np.full(len(p[0]), labels[i // 4], dtype=object) for i, p in enumerate(parts)])
