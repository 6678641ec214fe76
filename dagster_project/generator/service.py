"""After-sales service: deliveries (orders), service cases, service surveys (NPS) and product usage.

Written for issue 28 as four extracts of their own (`crm/order`, `crm/case`, `surveys/service_survey`,
`product/usage`), each drawn from its own random stream, so every file the generator wrote before stays
byte-identical for a (scale, seed): nothing here draws from another module's stream or changes another table.

- Orders: one per contract activated on or after 2023-01-01, drafted soon after the win and activated (delivered) a
  few days around the contract start, sometimes on a weekend or public holiday (so the working-day rule of
  docs/service.md has something to skip). Mess: 3% carry no OpportunityId although the deal is known, 2% are
  Activated without an ActivatedDate (the effective date stands in), 1% are entered twice and the copy deleted.
- Cases: every quarter each account under contract raises Poisson(0.7) cases (key accounts more), a quarter of them
  outside business hours (answered next morning, so late); the first response comes after a log-normal wait whose
  median falls with the owner's skill, resolution after a log-normal time by priority. Complaints arrive both as
  Type `Complaint` and as Type `Problem` with Reason `Complaint` (the source configuration's complaint mapping
  catches both). Mess: 4% closed without a recorded first response, 3% sit in a support queue (owner not a person
  on the HR roster), 2% without an account (web-to-case from an unknown contact), 1% duplicates deleted next day,
  4% never closed.
- Service surveys: 40% of closed cases are answered 1-6 days after closing (resolution satisfaction 0-100 and the
  NPS question 0-10); every quarter a quarter of the covered accounts answer a relationship NPS survey (no case).
  Mess: 1% corrected later (a second version). No answer is out of range: the suite counts the generator's
  quarantined rows (mess.MALFORMED's ten), and the contract's 0-10 check is the ingest's, tested on its own.
- Usage: per delivered account and month from the first delivery, active users and sessions around a seat count
  by tier, with a monthly trend; 15% of accounts decline. Mess: 3% of months missing, 2% restated later.
"""

from __future__ import annotations

import numpy as np

from dagster_project.extracts import BY_NAME

from .accounts import Accounts
from .ids import seq_ids, sf_ids
from .mess import delete_records
from .people import Staff
from .pipeline import Contracts, Deals
from .table import Coded, Table, materialize
from .timeline import (
    DAY,
    END,
    END_SEC,
    NA,
    SPAN_MONTHS,
    START,
    business_seconds,
    month_end,
    month_label,
    month_of,
    month_start,
    stamp_on,
)

ORDER = "801"
CASE = "500"
QUEUE_USER = "00G5g000004QueueA"  # a support queue: Salesforce queue ids start 00G
CASE_TYPES = np.array(["Problem", "Question", "Complaint", "Feature Request"], dtype=object)
CASE_REASONS = {
    "Problem": ("Performance", "Breakdown", "Installation", "Complaint"),
    "Question": ("Usage", "Billing"),
    "Complaint": ("Service", "Billing", "Delivery Delay"),
    "Feature Request": ("Feedback",),
}
PRIORITIES = np.array(["High", "Medium", "Low"], dtype=object)
#: median hours to resolve by priority (High, Medium, Low)
RESOLVE_MEDIAN_HOURS = np.array([8.0, 36.0, 96.0])
ORIGINS = np.array(["Phone", "Email", "Web", "WeCom"], dtype=object)
#: 08:30 and 19:00 in Shanghai, as seconds of the UTC day (business_seconds draws between them)
OPEN_SEC, CLOSE_SEC = 30 * 60, 11 * 3600


def order_table(contracts: Contracts, deals: Deals, accts: Accounts, staff: Staff, rng: np.random.Generator) -> Table:
    """Order versions (Draft, then Activated on delivery) of the contracts activated in the data's span."""
    c = contracts
    if c.seq is None:
        raise ValueError("contract_table must run first: orders link to the contracts' ids")
    pick = np.flatnonzero(~c.abandoned & (c.start >= START) & (c.start <= END))
    draft_sec = np.maximum(c.won_sec[pick], START * DAY) + rng.integers(3600, 3 * DAY, len(pick))
    pick, draft_sec = pick[draft_sec <= END_SEC], draft_sec[draft_sec <= END_SEC]  # drafted after the cut: not yet
    n = len(pick)
    shift = rng.integers(-3, 10, n)
    deliver = np.maximum(c.start[pick] + shift, draft_sec // DAY + 1)
    act_sec = stamp_on(deliver, rng)
    opp = c.opp[pick]
    no_opp = rng.random(n) < 0.03
    opp_id = np.where((opp >= 0) & ~no_opp, deals.ids[np.maximum(opp, 0)].astype(object), "")
    no_act_stamp = rng.random(n) < 0.02
    order = np.lexsort((np.arange(n), draft_sec))
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)

    activated = act_sec <= END_SEC
    idx = np.concatenate([np.arange(n), np.flatnonzero(activated)])
    status = np.concatenate([np.zeros(n, np.int64), np.ones(int(activated.sum()), np.int64)])
    stamp = np.concatenate([draft_sec, act_sec[activated]])
    act_col = np.where((status == 1) & ~no_act_stamp[idx], act_sec[idx], NA)
    cols = {
        "Id": sf_ids(ORDER, rank[idx]).astype(object),
        "OrderNumber": np.strings.zfill((rank[idx] + 1).astype(str), 8).astype(object),
        "AccountId": Coded(accts.ids, c.acc[pick][idx]),
        "OpportunityId": opp_id[idx],
        "ContractId": sf_ids("800", c.seq[pick][idx]).astype(object),
        "OwnerId": Coded(staff.user_id, c.owner[pick][idx]),
        "Status": np.array(["Draft", "Activated"], dtype=object)[status],
        "EffectiveDate": c.start[pick][idx],
        "ActivatedDate": act_col,
    }
    table = Table(BY_NAME["crm__order"], cols, rank[idx], stamp).finalize()
    # duplicates: a copy of 1% of the orders, entered the same day and deleted a few days later
    dup = np.flatnonzero((rng.random(n) < 0.01) & (draft_sec + 4 * 3600 <= END_SEC))
    if len(dup):
        first = np.flatnonzero(np.append(True, table.rec[1:] != table.rec[:-1]))
        rows = first[np.searchsorted(table.rec[first], rank[dup])]
        copy = table.take(rows)
        copy.rec = n + np.arange(len(dup))
        copy.cols["Id"] = sf_ids(ORDER, copy.rec).astype(object)
        copy.cols["OrderNumber"] = np.strings.zfill((copy.rec + 1).astype(str), 8).astype(object)
        copy.stamp = copy.stamp + rng.integers(600, 4 * 3600, len(dup))
        copy.cols[copy.extract.change_stamp] = copy.stamp
        table.append(copy).finalize()
        table = delete_records(table, copy.rec, copy.stamp + rng.integers(1, 6, len(dup)) * DAY)
    return table


def delivered_accounts(contracts: Contracts) -> tuple[np.ndarray, np.ndarray]:
    """(account, first delivery month) of each account with an order activated in the span, for usage."""
    c = contracts
    ok = ~c.abandoned & (c.start >= START) & (c.start <= END)
    acc, first = c.acc[ok], month_of(c.start[ok])
    order = np.lexsort((first, acc))
    acc, first = acc[order], first[order]
    keep = np.append(True, acc[1:] != acc[:-1])
    return acc[keep], first[keep]


def _covered(segments: tuple[np.ndarray, ...], on_day: int) -> np.ndarray:
    seg_acc, seg_start, seg_end = segments[0], segments[1], segments[2]
    return np.unique(seg_acc[(seg_start <= on_day) & (seg_end >= on_day)])


def case_table(accts: Accounts, staff: Staff, segments: tuple[np.ndarray, ...], rng: np.random.Generator) -> Table:
    """Case versions (New, Working at first response, Escalated, Closed) for the accounts under contract."""
    acc_l, sec_l = [], []
    for q in range(len(SPAN_MONTHS) // 3):
        first_month = SPAN_MONTHS[3 * q]
        covered = _covered(segments, int(month_start(first_month)) + 45)
        lam = np.where(accts.tier[covered] == 0, 1.2, 0.7)
        k = rng.poisson(lam)
        acc = np.repeat(covered, k)
        q_start = int(month_start(first_month))
        length = int(month_end(first_month + 2)) - q_start + 1
        days = q_start + np.floor(rng.random(len(acc)) * length).astype(np.int64)
        off_hours = rng.random(len(acc)) < 0.25
        sec = np.where(off_hours, rng.integers(0, DAY, len(acc)), business_seconds(rng, len(acc)))
        acc_l.append(acc)
        sec_l.append(days * DAY + sec)
    acc = np.concatenate(acc_l)
    created = np.concatenate(sec_l)
    raised = created <= END_SEC  # a case raised late on the data's last evening is after the extract was cut
    acc, created = acc[raised], created[raised]
    n = len(acc)
    order = np.lexsort((np.arange(n), created))
    acc, created = acc[order], created[order]
    day = created // DAY
    owner = accts.owner_at(acc, day)
    skill = staff.skill[owner]

    ctype = rng.choice(4, n, p=[0.45, 0.30, 0.12, 0.13])
    reason = np.empty(n, dtype=object)
    for t, name in enumerate(CASE_TYPES):
        options = np.array(CASE_REASONS[name], dtype=object)
        at = np.flatnonzero(ctype == t)
        p = None if name != "Problem" else np.array([0.35, 0.3, 0.2, 0.15])
        reason[at] = options[rng.choice(len(options), len(at), p=p)]
    prio = rng.choice(3, n, p=[0.15, 0.5, 0.35])
    prio = np.where((ctype == 2) & (rng.random(n) < 0.5), 0, prio)  # complaints are often raised High

    # first response: a log-normal wait from the case, or from the next opening when the case came in after hours
    tod = created % DAY
    from_sec = np.where(tod < OPEN_SEC, day * DAY + OPEN_SEC, np.where(tod >= CLOSE_SEC, (day + 1) * DAY + OPEN_SEC,
                                                                       created))
    wait_min = np.exp(np.log(70.0 / skill) + 0.8 * rng.standard_normal(n))
    first_resp = np.maximum(from_sec + np.round(wait_min * 60).astype(np.int64), created + 60)
    no_response = rng.random(n) < 0.04
    hours = np.exp(np.log(RESOLVE_MEDIAN_HOURS[prio] / skill) + 0.9 * rng.standard_normal(n))
    close = np.maximum(created + np.round(hours * 3600).astype(np.int64), first_resp + 600)
    never = rng.random(n) < 0.04
    escalate = (prio == 0) & (rng.random(n) < 0.1)
    esc_sec = first_resp + rng.integers(1800, 4 * 3600, n)
    escalate &= ~no_response & (esc_sec < close)

    queue = rng.random(n) < 0.03
    no_account = rng.random(n) < 0.02
    owner_ids = np.append(staff.user_id.astype(object), QUEUE_USER)
    owner_code = np.where(queue, len(staff.user_id), owner)
    acc_ids = np.append(accts.ids.astype(object), "")
    acc_code = np.where(no_account, len(accts.ids), acc)

    has_resp = ~no_response & (first_resp <= END_SEC)
    has_esc = escalate & (esc_sec <= END_SEC)
    has_close = ~never & (close <= END_SEC)
    parts = [
        (np.arange(n), created, 0),
        (np.flatnonzero(has_resp), first_resp[has_resp], 1),
        (np.flatnonzero(has_esc), esc_sec[has_esc], 2),
        (np.flatnonzero(has_close), close[has_close], 3),
    ]
    idx = np.concatenate([p[0] for p in parts])
    st = np.concatenate([p[1] for p in parts])
    status = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    resp_col = np.where(~no_response[idx] & (first_resp[idx] <= st), first_resp[idx], NA)
    closed = status == 3
    cols = {
        "Id": sf_ids(CASE, idx).astype(object),
        "CaseNumber": np.strings.zfill((idx + 1).astype(str), 8).astype(object),
        "AccountId": Coded(acc_ids, acc_code[idx]),
        "OwnerId": Coded(owner_ids, owner_code[idx]),
        "Type": Coded(CASE_TYPES, ctype[idx]),
        "Reason": reason[idx],
        "Priority": Coded(PRIORITIES, prio[idx]),
        "Status": Coded(np.array(["New", "Working", "Escalated", "Closed"], dtype=object), status),
        "Origin": Coded(ORIGINS, rng.choice(4, n, p=[0.35, 0.3, 0.15, 0.2])[idx]),
        "CreatedDate": created[idx],
        "First_Response__c": resp_col,
        "IsClosed": closed,
        "ClosedDate": np.where(closed, close[idx], NA),
    }
    table = Table(BY_NAME["crm__case"], cols, idx, st).finalize()
    dup = np.flatnonzero(rng.random(n) < 0.01)
    return delete_records(table, dup, created[dup] + DAY)


def service_survey_table(
    cases: Table, accts: Accounts, staff: Staff, segments: tuple[np.ndarray, ...], rng: np.random.Generator
) -> Table:
    """Post-case answers (resolution satisfaction and NPS) and quarterly relationship NPS answers."""
    last = np.flatnonzero(np.append(cases.rec[1:] != cases.rec[:-1], True))
    closed = last[materialize(cases.cols["IsClosed"])[last] & ~materialize(cases.cols["IsDeleted"])[last]]
    acc_code = materialize(cases.cols["AccountId"][closed])
    answered = closed[(rng.random(len(closed)) < 0.4) & (acc_code != "")]
    acc_index = {a: i for i, a in enumerate(accts.ids.tolist())}
    c_acc = np.array([acc_index[a] for a in materialize(cases.cols["AccountId"][answered])], np.int64)
    c_close = materialize(cases.cols["ClosedDate"])[answered]
    c_created = materialize(cases.cols["CreatedDate"])[answered]
    c_prio = materialize(cases.cols["Priority"][answered])
    c_day = np.minimum(c_close // DAY + rng.integers(1, 7, len(answered)), END)
    c_owner = accts.owner_at(c_acc, c_day)
    prio_index = np.select([c_prio == "High", c_prio == "Medium"], [0, 1], 2)
    late = (c_close - c_created) / 3600 > 2 * RESOLVE_MEDIAN_HOURS[prio_index]
    sat = np.clip(np.round(88 + 14 * (staff.skill[c_owner] - 1) - 18 * late + rng.normal(0, 6, len(c_acc))), 0, 100)
    c_nps = np.clip(np.round((sat - 40) / 6 + rng.normal(0, 1, len(c_acc))), 0, 10)

    acc_l, day_l = [], []
    for q in range(len(SPAN_MONTHS) // 3):
        first_month = SPAN_MONTHS[3 * q]
        covered = _covered(segments, int(month_start(first_month)) + 45)
        pick = covered[rng.random(len(covered)) < 0.25]
        last_start = int(month_start(first_month + 2))
        length = int(month_end(first_month + 2)) - last_start + 1
        acc_l.append(pick)
        day_l.append(last_start + np.floor(rng.random(len(pick)) * length).astype(np.int64))
    r_acc = np.concatenate(acc_l)
    r_day = np.minimum(np.concatenate(day_l), END)
    r_owner = accts.owner_at(r_acc, r_day)
    unhappy = rng.random(len(r_acc)) < 0.06
    r_nps = np.clip(np.round(8 + 3 * (staff.skill[r_owner] - 1) - 4 * unhappy + rng.normal(0, 1.6, len(r_acc))), 0, 10)

    acc = np.concatenate([c_acc, r_acc])
    day = np.concatenate([c_day, r_day])
    owner = np.concatenate([c_owner, r_owner])
    nps = np.concatenate([c_nps, r_nps]).astype(np.int64)
    sat_col = np.concatenate([sat.astype(np.int64), np.full(len(r_acc), NA)])
    case_id = np.concatenate([materialize(cases.cols["Id"])[answered], np.full(len(r_acc), "", dtype=object)])
    order = np.lexsort((np.arange(len(day)), day))
    acc, day, owner, nps, sat_col, case_id = (a[order] for a in (acc, day, owner, nps, sat_col, case_id))
    n = len(acc)
    stamp = day * DAY + business_seconds(rng, n)
    cols = {
        "response_id": seq_ids("SV", np.arange(1, n + 1), 7).astype(object),
        "account_id": accts.ids[acc].astype(object),
        "employee_id": staff.emp_id[owner],
        "case_id": case_id,
        "survey_date": day,
        "nps_score": nps,
        "resolution_satisfaction": sat_col,
    }
    table = Table(BY_NAME["surveys__service_survey"], cols, np.arange(n), stamp, {"resolution_satisfaction": 0})
    fix = np.flatnonzero((rng.random(n) < 0.01) & (stamp + 3 * DAY <= END_SEC))
    if len(fix):
        again = table.take(fix)
        again.stamp = again.stamp + 3 * DAY
        again.cols["updated_at"] = again.stamp
        again.cols["nps_score"] = np.minimum(again.cols["nps_score"] + 1, 10)
        table.append(again)
    return table.finalize()


def usage_table(contracts: Contracts, accts: Accounts, rng: np.random.Generator) -> Table:
    """Monthly active users and sessions of every delivered account from its first delivery month."""
    acc, first = delivered_accounts(contracts)
    last_month = int(month_of(np.array([END]))[0])
    months = np.maximum(last_month - first + 1, 0)
    a = np.repeat(acc, months)
    k = np.arange(len(a)) - np.repeat(np.cumsum(months) - months, months)
    m = np.repeat(first, months) + k
    seats = np.array([60.0, 25.0, 10.0, 10.0])[np.minimum(accts.tier[acc], 3)]
    seats = seats * np.exp(0.5 * rng.standard_normal(len(acc)))
    declining = rng.random(len(acc)) < 0.15
    growth = np.where(declining, rng.normal(-0.08, 0.02, len(acc)), rng.normal(0.01, 0.03, len(acc)))
    pos = np.repeat(np.arange(len(acc)), months)
    users = np.maximum(np.round(seats[pos] * (1 + growth[pos]) ** k * np.exp(0.1 * rng.standard_normal(len(a)))), 0)
    sessions = np.round(users * np.maximum(rng.normal(18, 4, len(a)), 1))
    keep = rng.random(len(a)) >= 0.03
    a, m, users, sessions = a[keep], m[keep], users[keep], sessions[keep]
    n = len(a)
    stamp = np.minimum(month_end(m) + 2, END) * DAY + business_seconds(rng, n)
    cols = {
        "account_id": accts.ids[a].astype(object),
        "usage_month": month_label(m).astype(object),
        "active_users": users.astype(np.int64),
        "sessions": sessions.astype(np.int64),
    }
    table = Table(BY_NAME["product__usage"], cols, np.arange(n), stamp)
    fix = np.flatnonzero((rng.random(n) < 0.02) & (stamp + 20 * DAY <= END_SEC))
    if len(fix):
        again = table.take(fix)
        again.stamp = again.stamp + 20 * DAY
        again.cols["updated_at"] = again.stamp
        again.cols["active_users"] = np.round(again.cols["active_users"] * 1.1).astype(np.int64)
        table.append(again)
    return table.finalize()
