"""Leads and activities (tasks): the top of the funnel and the effort behind it.

Lead conversion and activity counts are monthly KPIs, and tasks are the largest extract (about a million rows at
scale 1), so everything here is drawn as whole arrays:

- converted leads are the origin of most accounts created during the span: the lead converts the day the account
  is created, into that account and its first opportunity; other leads are drawn per rep per month and end
  Unqualified, Qualified, Working or still Open (recent ones), with a second version when their status moves;
- tasks are spread over each rep's employed working days in proportion to skill, attached to one of the rep's
  accounts that existed then and, when one was open, to that account's latest opportunity (`WhatId`);
  only calls carry a duration, and most tasks are Completed (the ones that count as activity).
"""

from __future__ import annotations

import numpy as np

from dagster_project.extracts import BY_NAME, TASK_TYPES

from .accounts import Accounts
from .ids import EVENT, LEAD, TASK, sf_ids
from .people import Staff
from .pipeline import ACQUISITION, SOURCES, Deals
from .table import Coded, Derived, Table
from .timeline import DAY, END, END_SEC, NA, SPAN_MONTHS, START, month_start, stamp_on, to_workday

LEAD_STATUS = np.array(["Open", "Working", "Qualified", "Unqualified", "Converted"], dtype=object)
RATINGS = np.array(["A", "B", "C"], dtype=object)
TASK_P = (0.30, 0.15, 0.30, 0.12, 0.07, 0.06)  # Call, Visit, Email, Meeting, Demo, Proposal
SUBJECTS = {
    "Call": ("Follow-up call", "Discovery call", "Check-in call", "Pricing call"),
    "Visit": ("On-site visit", "Quarterly business review", "Site survey"),
    "Email": ("Sent proposal follow-up", "Sent product information", "Meeting recap", "Renewal reminder"),
    "Meeting": ("Requirements workshop", "Stakeholder meeting", "Kick-off meeting"),
    "Demo": ("Product demo", "Analytics demo", "Proof of concept review"),
    "Proposal": ("Proposal presentation", "Quote review", "Contract negotiation"),
}


def lead_table(accts: Accounts, deals: Deals, staff: Staff, scale_accounts_per_rep: float,
               rng: np.random.Generator) -> Table:
    """Converted leads (one per lead-born account) and unconverted leads per rep per month."""
    # converted: the account's first acquisition deal is created the day the account is
    born = np.flatnonzero(accts.from_lead)
    first_deal = np.full(len(accts), -1, np.int64)
    acq = np.flatnonzero((deals.kind == ACQUISITION) & (deals.acc >= 0))
    acq = acq[np.lexsort((acq, deals.created_sec[acq], deals.acc[acq]))]
    uniq, at = np.unique(deals.acc[acq], return_index=True)
    first_deal[uniq] = acq[at]
    c_n = len(born)
    c_conv_day = accts.created[born]
    c_created = c_conv_day - rng.integers(5, 60, c_n)
    fd = first_deal[born]
    same_day = (fd >= 0) & (deals.created_sec[np.maximum(fd, 0)] // DAY == c_conv_day)
    c_opp = np.where(same_day, deals.ids[np.maximum(fd, 0)], "").astype(object)
    c_source = np.where(same_day, deals.source[np.maximum(fd, 0)], rng.choice(SOURCES, c_n)).astype(object)
    c_owner = accts.owner[born]

    # unconverted: Poisson per rep per employed month
    reps = staff.reps
    lam = max(1.0, 4.0 * scale_accounts_per_rep / 100.0)
    months = np.tile(SPAN_MONTHS, len(reps))
    rep_m = np.repeat(reps, len(SPAN_MONTHS))
    m0 = month_start(months)
    counts = rng.poisson(lam * staff.skill[rep_m])
    counts[~staff.active(rep_m, m0 + 14)] = 0
    u_owner = np.repeat(rep_m, counts)
    u_m0 = np.repeat(m0, counts)
    u_len = np.repeat(month_start(months + 1) - m0, counts)
    u_created = u_m0 + np.floor(rng.random(len(u_owner)) * u_len).astype(np.int64)
    ok = staff.active(u_owner, u_created) & (u_created <= END)
    u_owner, u_created = u_owner[ok], u_created[ok]
    u_n = len(u_owner)
    status = rng.choice([3, 2, 1, 0], u_n, p=[0.65, 0.15, 0.1, 0.1])
    recent = u_created > END - 20
    status = np.where(recent, rng.choice([0, 1], u_n, p=[0.6, 0.4]), status)
    u_final_day = u_created + rng.integers(2, 45, u_n)

    n = c_n + u_n
    owner = np.concatenate([c_owner, u_owner])
    created = np.concatenate([c_created, u_created])
    created_sec = stamp_on(created, rng)
    final_status = np.concatenate([np.full(c_n, 4), status])
    final_sec = np.concatenate([stamp_on(c_conv_day, rng), stamp_on(u_final_day, rng)])
    final_sec = np.maximum(final_sec, created_sec + 60)
    rating = np.concatenate([rng.choice(3, c_n, p=[0.5, 0.35, 0.15]), rng.choice(3, u_n, p=[0.15, 0.35, 0.5])])
    source = np.concatenate([c_source, rng.choice(SOURCES, u_n)])
    conv_day = np.concatenate([c_conv_day, np.full(u_n, NA)])
    conv_acc = np.concatenate([accts.ids[born].astype(object), np.full(u_n, "", dtype=object)])
    conv_opp = np.concatenate([c_opp, np.full(u_n, "", dtype=object)])
    rank = np.empty(n, np.int64)
    rank[np.lexsort((np.arange(n), created_sec))] = np.arange(n)
    ids = sf_ids(LEAD, rank)

    # version 1: created Open; version 2: the final status (when it moved and by the end of the data)
    moved = (final_status != 0) & (final_sec <= END_SEC)
    v_idx = np.concatenate([np.arange(n), np.flatnonzero(moved)])
    second = np.concatenate([np.zeros(n, bool), np.ones(moved.sum(), bool)])
    st = np.where(second, final_sec[v_idx], created_sec[v_idx])
    v_status = np.where(second, final_status[v_idx], 0)
    converted = v_status == 4
    cols = {
        "Id": ids[v_idx],
        "OwnerId": staff.user_id[owner[v_idx]],
        "Status": LEAD_STATUS[v_status],
        "Rating": RATINGS[rating[v_idx]],
        "LeadSource": source[v_idx],
        "CreatedDate": created_sec[v_idx],
        "IsConverted": converted,
        "ConvertedDate": np.where(converted, conv_day[v_idx], NA),
        "ConvertedAccountId": np.where(converted, conv_acc[v_idx], "").astype(object),
        "ConvertedOpportunityId": np.where(converted, conv_opp[v_idx], "").astype(object),
    }
    keep = st <= END_SEC
    return Table(BY_NAME["crm__lead"], cols, rank[v_idx], st).take(keep).finalize()


def task_table(accts: Accounts, deals: Deals, staff: Staff, n_tasks: int, rng: np.random.Generator) -> Table:
    """About `n_tasks` activities over the reps' employed working days.

    The largest extract (ten million rows at scale 10): text columns are held coded and every per-row array is
    dropped as soon as it is used, so its peak stays a few hundred bytes a row. The draws are the whole-table
    draws they always were (chunking them would change the numbers numpy's generator hands out).
    """
    reps = staff.reps
    lo = np.maximum(staff.hire[reps], START)
    hi = np.where(staff.term[reps] != NA, np.minimum(staff.term[reps], END), END)
    days = np.maximum(hi - lo + 1, 0)
    weight = days * staff.skill[reps] ** 0.7
    counts = rng.multinomial(n_tasks, weight / weight.sum())
    rep = np.repeat(reps, counts)
    r_lo, r_hi = np.repeat(lo, counts), np.repeat(hi, counts)
    act = to_workday(r_lo + np.floor(rng.random(len(rep)) * (r_hi - r_lo + 1)).astype(np.int64))
    act = np.clip(act, r_lo, r_hi)
    del r_lo, r_hi
    n = len(rep)

    # an account of the rep that existed on the day (three tries, else an internal task without account)
    by_owner = np.lexsort((np.arange(len(accts)), accts.owner))
    owner_sorted = accts.owner[by_owner]
    first = np.searchsorted(owner_sorted, rep, side="left")
    count = np.searchsorted(owner_sorted, rep, side="right") - first
    acc = np.full(n, -1, np.int64)
    for _ in range(3):
        todo = np.flatnonzero((acc < 0) & (count > 0))
        cand = by_owner[first[todo] + np.floor(rng.random(len(todo)) * count[todo]).astype(np.int64)]
        ok = accts.created[cand] <= act[todo]
        acc[todo[ok]] = cand[ok]
    del first, count, todo, cand, ok
    has_acc = acc >= 0

    # WhatId: the account's latest deal created by then, if it was still open on the day
    live = np.flatnonzero(deals.acc >= 0)
    dk = deals.acc[live] * 100_000 + deals.created_sec[live] // DAY
    order = np.argsort(dk, kind="stable")
    dk, live = dk[order], live[order]
    pos = np.searchsorted(dk, np.where(has_acc, acc, 0) * 100_000 + act, side="right") - 1
    cand = live[np.maximum(pos, 0)]
    on_deal = (has_acc & (pos >= 0) & (deals.acc[cand] == acc) & (deals.close_day[cand] >= act)
               & (rng.random(n) < 0.7))
    del pos
    # account ids, then deal ids, then "" (no account): one dictionary for AccountId and WhatId
    ids = np.concatenate([accts.ids, deals.ids, np.array([""], dtype=accts.ids.dtype)])
    account_code = np.where(has_acc, acc, len(ids) - 1)
    del acc
    account_id = Coded(ids, account_code)
    what = Coded(ids, np.where(on_deal, len(accts) + cand, account_code))
    del account_code, cand, on_deal, has_acc

    ttype = rng.choice(len(TASK_TYPES), n, p=TASK_P).astype(np.int8)
    recent = act > END - 7
    status = np.where(recent, rng.choice(3, n, p=[0.5, 0.35, 0.15]), rng.choice(3, n, p=[0.94, 0.03, 0.03]))
    status = status.astype(np.int8)
    del recent
    # subjects: one flat list, each type's options in a run starting at `offset`
    options = [np.array(SUBJECTS[name], dtype=object) for name in TASK_TYPES]
    offset = np.cumsum([0] + [len(o) for o in options[:-1]])
    n_options = np.array([len(o) for o in options], np.int64)
    subj_pick = rng.random(n)
    subject = Coded(np.concatenate(options), offset[ttype] + np.floor(subj_pick * n_options[ttype]).astype(np.int64))
    del subj_pick
    completed = status == 0
    duration = np.where(
        (ttype == 0) & completed, np.clip(np.round(rng.lognormal(np.log(300), 0.7, n)), 20, 3600), NA
    ).astype(np.int64)
    del completed
    stamp = stamp_on(act, rng)
    rank = np.empty(n, np.int64)
    rank[np.lexsort((np.arange(n), stamp))] = np.arange(n)
    cols = {
        "Id": Derived(_task_ids, rank),
        "OwnerId": Coded(staff.user_id, rep),
        "AccountId": account_id,
        "WhatId": what,
        "Type": Coded(np.array(TASK_TYPES, dtype=object), ttype),
        "Subject": subject,
        "ActivityDate": act,
        "Status": Coded(np.array(["Completed", "Not Started", "In Progress"], dtype=object), status),
        "CallDurationInSeconds": duration,
    }
    del rep, act, account_id, what, ttype, status, subject, duration
    return Table(BY_NAME["crm__task"], cols, rank, stamp).finalize()


def _task_ids(seq: np.ndarray) -> np.ndarray:
    return sf_ids(TASK, seq)


EVENT_TYPES = ("Meeting", "Visit", "Demo")
EVENT_P = (0.5, 0.3, 0.2)
EVENT_SUBJECTS = {"Meeting": "Customer meeting", "Visit": "On-site visit", "Demo": "Product demo"}


def event_table(accts: Accounts, staff: Staff, n_events: int, rng: np.random.Generator) -> Table:
    """About `n_events` calendar events (Salesforce Event: meetings, visits, demos) on the reps' working days.

    Drawn from their own random stream, so adding them changed no other file. An event with an ActivityDate on or
    before the as-of date counts as a done activity (Event has no status).
    """
    reps = staff.reps
    lo = np.maximum(staff.hire[reps], START)
    hi = np.where(staff.term[reps] != NA, np.minimum(staff.term[reps], END), END)
    weight = np.maximum(hi - lo + 1, 0).astype(np.float64)
    counts = rng.multinomial(n_events, weight / weight.sum())
    rep = np.repeat(reps, counts)
    r_lo, r_hi = np.repeat(lo, counts), np.repeat(hi, counts)
    act = np.clip(to_workday(r_lo + np.floor(rng.random(len(rep)) * (r_hi - r_lo + 1)).astype(np.int64)), r_lo, r_hi)
    n = len(rep)
    by_owner = np.lexsort((np.arange(len(accts)), accts.owner))
    owner_sorted = accts.owner[by_owner]
    first = np.searchsorted(owner_sorted, rep, side="left")
    count = np.searchsorted(owner_sorted, rep, side="right") - first
    pick = by_owner[np.minimum(first + np.floor(rng.random(n) * np.maximum(count, 1)).astype(np.int64), len(accts) - 1)]
    has_acc = (count > 0) & (accts.created[pick] <= act)
    account_id = np.where(has_acc, accts.ids[pick], "").astype(object)
    etype = np.array(EVENT_TYPES, dtype=object)[rng.choice(len(EVENT_TYPES), n, p=EVENT_P)]
    stamp = stamp_on(act, rng)
    rank = np.empty(n, np.int64)
    rank[np.lexsort((np.arange(n), stamp))] = np.arange(n)
    cols = {
        "Id": sf_ids(EVENT, rank),
        "OwnerId": staff.user_id[rep],
        "AccountId": account_id,
        "WhatId": account_id,
        "Type": etype,
        "Subject": np.array([EVENT_SUBJECTS[t] for t in etype], dtype=object),
        "ActivityDate": act,
        "DurationInMinutes": rng.choice(np.array([30, 60, 90], np.int64), n),
    }
    return Table(BY_NAME["crm__event"], cols, rank, stamp).finalize()
