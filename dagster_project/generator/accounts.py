"""CRM accounts: who the customers are, who owns them, and how their `Type` follows their contracts.

Accounts are drawn first (creation date, owner, tier, industry, currency, payment terms) because every deal, invoice
and survey hangs off one. Their CRM versions are written last, once contracts are known, so `Type` moves
Prospect -> Customer -> Former Customer -> Customer exactly as their coverage does and stays consistent with deals.

Owners are reps employed when the account is created (or, for accounts older than the data, at its start). When a
rep leaves, their accounts move to a teammate on the termination date: a new account version with a new `OwnerId`,
which is what retention's "credited to the account's current owner" has to follow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dagster_project.extracts import BY_NAME

from . import fx
from .ids import ACCOUNT, seq_ids, sf_ids
from .names import Namer
from .people import Staff
from .table import Table
from .timeline import DAY, END, NA, START, day, stamp_on

TIERS = np.array(["A", "B", "C", ""], dtype=object)
TIER_P = (0.15, 0.35, 0.49, 0.01)
TIER_SIZE = np.array([2.0, 1.0, 0.6, 0.8])  # deal-size multiplier by tier (A = key accounts)
TIER_WIN = np.array([1.3, 1.0, 0.8, 0.9])
INDUSTRIES = np.array(
    ["Manufacturing", "Retail", "Financial Services", "Healthcare", "Technology", "Logistics", "Energy",
     "Education", "Government", "Media"],
    dtype=object,
)
CURRENCIES = np.array(fx.CURRENCIES, dtype=object)
CURRENCY_P = (0.90, 0.05, 0.03, 0.02)
TERMS = np.array([30, 0, 60, 90], np.int64)
TERMS_P = (0.72, 0.06, 0.14, 0.08)
_NAME_A = np.array(
    ["Huaxin", "Zhongke", "Tianrui", "Jinghong", "Hengtai", "Xinyuan", "Dingsheng", "Ruifeng", "Changan", "Haoyun",
     "Mingda", "Boyuan", "Shengshi", "Kangning", "Yongfu", "Jiahe", "Lianchuang", "Guotai", "Weilan", "Zhiyuan"],
    dtype=object,
)
_NAME_B = np.array(
    ["Technology", "Industrial", "Trading", "Logistics", "Medical", "Electronics", "Energy", "Retail", "Holdings",
     "Software", "Materials", "Automotive"],
    dtype=object,
)
_NAME_CITY = np.array(
    ["Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Suzhou", "Nanjing", "Wuhan", "Chengdu", "Tianjin", "Xiamen",
     "Ningbo", "Qingdao", "Dongguan", "Foshan", "Hefei", "Changsha"],
    dtype=object,
)
_SUFFIX = np.array(["Co., Ltd.", "Group Co., Ltd.", "Corporation", "Co., Ltd."], dtype=object)


@dataclass
class Accounts:
    """One entry per account (index = position, in creation order)."""

    ids: np.ndarray
    number: np.ndarray
    name: np.ndarray
    short: np.ndarray
    industry: np.ndarray
    tier: np.ndarray  # index into TIERS
    currency: np.ndarray  # index into CURRENCIES
    terms: np.ndarray
    created: np.ndarray
    created_sec: np.ndarray
    owner: np.ndarray
    reassign_day: np.ndarray
    new_owner: np.ndarray
    from_lead: np.ndarray
    legacy_start: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def owner_at(self, acc: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Owner (employee index) of each account on each day, following reassignments."""
        r = self.reassign_day[acc]
        return np.where((r != NA) & (days >= r), self.new_owner[acc], self.owner[acc])


def _pick_reps(
    staff: Staff, on_day: np.ndarray, rng: np.random.Generator, team: np.ndarray | None = None
) -> np.ndarray:
    """A random rep employed on each day (and in `team` when given), by vectorised rejection sampling."""
    reps = staff.reps
    pick = np.full(len(on_day), -1, np.int64)
    todo = np.arange(len(on_day))
    for _ in range(200):
        if not len(todo):
            break
        cand = rng.choice(reps, len(todo))
        ok = staff.active(cand, on_day[todo])
        if team is not None:
            ok &= staff.team_on(cand, on_day[todo]) == team[todo]
        pick[todo[ok]] = cand[ok]
        todo = todo[~ok]
    for i in todo:  # nobody fits (a team emptied by leavers): any rep employed that day, else the longest serving
        ok = staff.active(reps, np.full(len(reps), on_day[i]))
        pick[i] = reps[ok][0] if ok.any() else reps[0]
    return pick


def build_accounts(staff: Staff, scale: float, rng: np.random.Generator, namer: Namer | None = None) -> Accounts:
    """Draw about 10,000 accounts at scale 1 (never fewer than 60).

    55% predate the data (created 2016-2022), half of those already customers with a contract started in 2022, so
    retention has start customers in 2023Q1. The rest are created during the span; 60% of those come from a
    converted lead, whose first opportunity is opened the day the account is.
    """
    n = max(60, round(10_000 * scale))
    legacy = rng.random(n) < 0.55
    created = np.where(
        legacy,
        rng.integers(day("2016-01-01"), day("2022-12-31"), n),
        rng.integers(START, day("2025-11-30"), n),
    )
    legacy_start = np.where(legacy & (rng.random(n) < 0.65), rng.integers(day("2022-02-01"), day("2022-12-31"), n), NA)
    created = np.where(legacy_start != NA, np.minimum(created, legacy_start - rng.integers(60, 900, n)), created)
    order = np.argsort(created, kind="stable")
    created, legacy, legacy_start = created[order], legacy[order], legacy_start[order]

    owner = _pick_reps(staff, np.maximum(created, START), rng)
    term = staff.term[owner]
    reassign_day = np.where(term != NA, term, NA)
    new_owner = np.full(n, -1, np.int64)
    moved = np.flatnonzero(reassign_day != NA)
    if len(moved):
        team = staff.team_on(owner[moved], reassign_day[moved])
        new_owner[moved] = _pick_reps(staff, reassign_day[moved] + 1, rng, team)

    seq = np.arange(n)
    city = rng.choice(_NAME_CITY, n)
    word = rng.choice(_NAME_A, n)
    kind = rng.choice(_NAME_B, n)
    short = np.strings.add(np.strings.add(word.astype(str), " "), kind.astype(str))
    suffix = np.strings.add(" ", rng.choice(_SUFFIX, n).astype(str))
    name = np.strings.add(np.strings.add(np.strings.add(city.astype(str), " "), short), suffix)
    if namer is not None:  # localized names from the same draws (names.py)
        name, short = namer.customers(city, kind, suffix)
    return Accounts(
        ids=sf_ids(ACCOUNT, seq),
        number=seq_ids("C", seq + 1, 6),
        name=name.astype(object),
        short=short.astype(object),
        industry=rng.choice(INDUSTRIES, n),
        tier=rng.choice(len(TIERS), n, p=TIER_P),
        currency=rng.choice(len(CURRENCIES), n, p=CURRENCY_P),
        terms=rng.choice(TERMS, n, p=TERMS_P),
        created=created,
        created_sec=stamp_on(created, rng),
        owner=owner,
        reassign_day=reassign_day,
        new_owner=new_owner,
        from_lead=~legacy & (rng.random(n) < 0.6),
        legacy_start=legacy_start,
    )


def coverage_segments(
    acc: np.ndarray, start: np.ndarray, end: np.ndarray, won_sec: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unbroken coverage per account (contracts that overlap or follow with no day between them merge).

    Returns (account, first day, last day, earliest win stamp) per segment, sorted by account and start; the same
    rule docs/metrics.md uses for retention, so account `Type` agrees with what retention will compute.
    """
    order = np.lexsort((start, acc))
    a, s, e, w = acc[order], start[order], end[order], won_sec[order]
    if not len(a):
        return a, s, e, w
    new_acc = np.ones(len(a), bool)
    new_acc[1:] = a[1:] != a[:-1]
    span = int(e.max() - e.min() + 2)
    grp = np.cumsum(new_acc)
    run_max = np.maximum.accumulate(grp * span + (e - e.min())) - grp * span + e.min()
    prev_max = np.concatenate([[NA], run_max[:-1]])
    new_seg = new_acc | (s > prev_max + 1)
    seg_acc = a[new_seg]
    seg_start = s[new_seg]
    seg_end = np.maximum.reduceat(e, np.flatnonzero(new_seg))
    seg_won = np.minimum.reduceat(w, np.flatnonzero(new_seg))
    return seg_acc, seg_start, seg_end, seg_won


def account_table(
    accts: Accounts, staff: Staff, segments: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    rng: np.random.Generator,
) -> Table:
    """Every version of every account: created (Prospect), Customer on each win that starts coverage, Former
    Customer a little after coverage lapses, and the owner change when the owner leaves."""
    n = len(accts)
    seg_acc, _, seg_end, seg_won = segments
    # events: (account, stamp, type code or -1, owner or -1); type codes index TYPE below
    ev = [(np.arange(n), accts.created_sec, np.zeros(n, np.int64), accts.owner)]
    ev.append((seg_acc, np.maximum(seg_won, accts.created_sec[seg_acc] + 60), np.ones(len(seg_acc), np.int64),
               np.full(len(seg_acc), -1, np.int64)))
    lapse_day = seg_end + 1 + rng.integers(0, 15, len(seg_end))
    nxt_won = np.concatenate([seg_won[1:], [np.iinfo(np.int64).max]])
    same_next = np.concatenate([seg_acc[1:] == seg_acc[:-1], [False]])
    lapse_sec = stamp_on(lapse_day, rng)
    lapsed = (lapse_day <= END) & ~(same_next & (nxt_won <= lapse_sec))
    ev.append((seg_acc[lapsed], lapse_sec[lapsed], np.full(lapsed.sum(), 2, np.int64),
               np.full(lapsed.sum(), -1, np.int64)))
    moved = np.flatnonzero(accts.reassign_day != NA)
    ev.append((moved, np.maximum(accts.reassign_day[moved] * DAY + 9 * 3600, accts.created_sec[moved] + 60),
               np.full(len(moved), -1, np.int64), accts.new_owner[moved]))
    a = np.concatenate([x[0] for x in ev])
    st = np.concatenate([x[1] for x in ev])
    typ = np.concatenate([x[2] for x in ev])
    own = np.concatenate([x[3] for x in ev])
    keep = st <= (END + 1) * DAY - 1
    a, st, typ, own = a[keep], st[keep], typ[keep], own[keep]
    order = np.lexsort((st, a))
    a, st, typ, own = a[order], st[order], typ[order], own[order]
    # forward-fill type and owner within each account (the creation event, first in each group, sets both)
    pos = np.arange(len(a))
    typ = typ[np.maximum.accumulate(np.where(typ >= 0, pos, 0))]
    own = own[np.maximum.accumulate(np.where(own >= 0, pos, 0))]
    type_text = np.array(["Prospect", "Customer", "Former Customer"], dtype=object)
    cols = {
        "Id": accts.ids[a],
        "Name": accts.name[a],
        "AccountNumber": accts.number[a],
        "OwnerId": staff.user_id[own],
        "Industry": accts.industry[a],
        "Customer_Tier__c": TIERS[accts.tier[a]],
        "Type": type_text[typ],
        "CreatedDate": accts.created_sec[a],
    }
    return Table(BY_NAME["crm__account"], cols, a, st).finalize()
