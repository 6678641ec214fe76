"""Accounts receivable: invoices and credit notes for won deals, and the payments against them.

Collection rate, on-time rate, AR aging, DSO and pay clawbacks are computed from these, so the behaviour mix is
deliberate:
- every won deal is billed in 1-3 instalments (the first days after the close, the next ones about a quarter
  apart, only those dated by the end of the data), in the deal's currency, with 13% VAT; terms come from the
  account (mostly 30 days, some 0/60/90); about 10% of invoices leave `salesperson_employee_id` empty, so they are
  credited to the account owner;
- about 2% of invoices get a credit note (CRN, positive amounts, `original_invoice_id` set) and a few are VOID;
- payments: most in full (some early, most around the due date, some late), some in two parts, some never
  (including a few more than 180 days overdue), a few reversed (a negative row, then a re-payment), exactly one
  overpayment; the invoice `status` (OPEN/PARTIAL/PAID/VOID) is re-delivered as a new version each time it changes.
The orphan and the deleted payments are added by `mess`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dagster_project.extracts import BY_NAME

from .accounts import Accounts
from .fx import CURRENCIES
from .ids import seq_ids
from .people import Staff
from .pipeline import Deals
from .table import Coded, Table
from .timeline import DAY, END, END_SEC, NA, stamp_on

METHODS = np.array(["Bank Transfer", "Bank Acceptance Bill", "Alipay", "Cheque"], dtype=object)


@dataclass
class Invoices:
    """One entry per document (invoices first, then credit notes); amounts in cents of `currency`."""

    doc_id: np.ndarray
    number: np.ndarray
    is_crn: np.ndarray
    original: np.ndarray  # index of the original invoice for a credit note, else -1
    acc: np.ndarray
    opp: np.ndarray
    salesperson: np.ndarray
    day: np.ndarray
    terms: np.ndarray
    currency: np.ndarray
    net: np.ndarray
    tax: np.ndarray
    void_day: np.ndarray
    crn_gross: np.ndarray  # per original invoice: credit-noted gross
    crn_day: np.ndarray

    @property
    def gross(self) -> np.ndarray:
        return self.net + self.tax

    @property
    def receivable(self) -> np.ndarray:
        """Gross minus credit notes; 0 for VOID (what docs/metrics.md calls gross receivable)."""
        return np.where(self.void_day != NA, 0, self.gross - self.crn_gross)


@dataclass
class Payments:
    """One entry per payment row; `inv` is the invoice index or -1 (unknown invoice id in `invoice_id`)."""

    inv: np.ndarray
    invoice_id: np.ndarray
    customer: np.ndarray
    day: np.ndarray
    amount: np.ndarray
    currency: np.ndarray
    method: np.ndarray
    counts_for_status: np.ndarray  # False for the duplicate posting that is deleted later


def _tax(net: np.ndarray) -> np.ndarray:
    return np.round(net * 0.13).astype(np.int64)


def build_invoices(deals: Deals, accts: Accounts, staff: Staff, rng: np.random.Generator) -> Invoices:
    """Instalment invoices for every booked deal, plus credit notes and voids."""
    won = np.flatnonzero(deals.booked & (deals.acc >= 0))
    k = rng.choice([1, 2, 3], len(won), p=[0.1, 0.2, 0.7])
    opp = np.repeat(won, k)
    start = np.concatenate([[0], np.cumsum(k)[:-1]])
    j = np.arange(len(opp)) - np.repeat(start, k)
    kk = np.repeat(k, k)
    first = np.repeat(deals.close_day[won] + rng.integers(1, 21, len(won)), k)
    day = first + j * 90 + np.where(j > 0, rng.integers(-5, 6, len(opp)), 0)
    # instalment shares: 100% | 50/50 | 40/30/30, as cumulative bounds so the parts always sum to the deal
    share_lo = np.select([kk == 1, kk == 2, kk == 3], [0.0, 0.5 * j, np.array([0.0, 0.4, 0.7])[np.minimum(j, 2)]])
    share_hi = np.select([kk == 1, kk == 2, kk == 3], [1.0, 0.5 * (j + 1), np.array([0.4, 0.7, 1.0])[np.minimum(j, 2)]])
    units = deals.amount[opp] // 100
    net = (np.round(units * share_hi) - np.round(units * share_lo)).astype(np.int64) * 100
    keep = (day <= END) & (net > 0)
    opp, day, net = opp[keep], day[keep], net[keep]
    order = np.lexsort((np.arange(len(opp)), opp, day))
    opp, day, net = opp[order], day[order], net[order]
    n = len(opp)
    acc = deals.acc[opp]
    sales = staff.emp_id[deals.owner[opp]].astype(object)
    sales[rng.random(n) < 0.10] = ""
    void = rng.random(n) < 0.005
    void[rng.integers(0, n)] = True
    void_day = np.where(void, day + rng.integers(2, 21, n), NA)
    void_day = np.where(void_day > END, NA, void_day)

    # credit notes on ~2% of the other invoices, a few weeks after the invoice
    eligible = np.flatnonzero((void_day == NA) & (day + 25 <= END))
    n_crn = min(len(eligible), max(1, round(0.02 * n)))
    orig = np.sort(rng.choice(eligible, n_crn, replace=False))
    c_day = day[orig] + rng.integers(3, 26, n_crn)
    frac = rng.choice([0.1, 0.2, 0.5, 1.0], n_crn, p=[0.35, 0.3, 0.2, 0.15])
    c_net = np.round(net[orig] // 100 * frac).astype(np.int64) * 100
    c_net = np.maximum(c_net, 100)
    crn_gross = np.zeros(n, np.int64)
    crn_gross[orig] = c_net + _tax(c_net)
    crn_day = np.full(n, NA, np.int64)
    crn_day[orig] = c_day
    c_order = np.lexsort((orig, c_day))
    orig, c_day, c_net = orig[c_order], c_day[c_order], c_net[c_order]

    doc_id = np.concatenate([seq_ids("INV-", np.arange(1, n + 1), 6), seq_ids("CRN-", np.arange(1, n_crn + 1), 6)])
    number = np.concatenate([seq_ids("FP", np.arange(1, n + 1) + 24_000_000, 8),
                             seq_ids("HC", np.arange(1, n_crn + 1) + 24_000_000, 8)])
    terms = accts.terms[acc]
    return Invoices(
        doc_id=doc_id,
        number=number,
        is_crn=np.concatenate([np.zeros(n, bool), np.ones(n_crn, bool)]),
        original=np.concatenate([np.full(n, -1), orig]),
        acc=np.concatenate([acc, acc[orig]]),
        opp=np.concatenate([opp, opp[orig]]),
        salesperson=np.concatenate([sales, sales[orig]]),
        day=np.concatenate([day, c_day]),
        terms=np.concatenate([terms, np.zeros(n_crn, np.int64)]),
        currency=np.concatenate([deals.currency[opp], deals.currency[opp[orig]]]),
        net=np.concatenate([net, c_net]),
        tax=np.concatenate([_tax(net), _tax(c_net)]),
        void_day=np.concatenate([void_day, np.full(n_crn, NA)]),
        crn_gross=np.concatenate([crn_gross, np.zeros(n_crn, np.int64)]),
        crn_day=np.concatenate([crn_day, np.full(n_crn, NA)]),
    )


def build_payments(inv: Invoices, accts: Accounts, rng: np.random.Generator) -> Payments:
    """Payments by behaviour: full, two parts, never, reversed and re-paid, and one overpayment."""
    due = inv.day + inv.terms
    rec = inv.receivable
    payable = np.flatnonzero(~inv.is_crn & (rec > 0))
    n = len(payable)
    behaviour = rng.choice(5, n, p=[0.008, 0.842, 0.135, 0.015, 0.0])  # never, full, two parts, reversal, over
    # a few invoices are never paid and end up far beyond 180 days overdue
    old = np.flatnonzero((due[payable] <= END - 200) & (inv.crn_day[payable] == NA))
    bad = rng.choice(old, min(len(old), max(3, round(0.005 * n))), replace=False)
    behaviour[bad] = 0
    others = np.setdiff1d(np.flatnonzero(behaviour != 0), bad)
    if not (behaviour == 3).any():
        behaviour[others[0]] = 3
    behaviour[others[len(others) // 2]] = 4  # exactly one overpayment
    timing = rng.choice(3, n, p=[0.15, 0.55, 0.30])
    d_due = due[payable]
    early = d_due - rng.integers(1, np.maximum(inv.terms[payable], 5) + 1)
    d1 = np.select([timing == 0, timing == 1], [early, d_due + rng.integers(-3, 5, n)], d_due + rng.integers(5, 121, n))
    floor_day = np.maximum(inv.day[payable], np.where(inv.crn_day[payable] != NA, inv.crn_day[payable] + 1, 0))
    d1 = np.maximum(d1, floor_day)
    r = rec[payable]

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (payable position, day, amount)
    full = np.flatnonzero(behaviour == 1)
    parts.append((full, d1[full], r[full]))
    two = np.flatnonzero(behaviour == 2)
    a1 = (np.round(r[two] * rng.uniform(0.3, 0.7, len(two)) / 10_000) * 10_000).astype(np.int64)
    a1 = np.clip(a1, 100, np.maximum(r[two] - 100, 100))
    p1 = np.maximum(d1[two] - rng.integers(0, 11, len(two)), floor_day[two])
    parts.append((two, p1, a1))
    parts.append((two, p1 + rng.integers(15, 61, len(two)), r[two] - a1))
    rev = np.flatnonzero(behaviour == 3)
    back = d1[rev] + rng.integers(2, 8, len(rev))
    parts.append((rev, d1[rev], r[rev]))
    parts.append((rev, back, -r[rev]))
    parts.append((rev, back + rng.integers(6, 25, len(rev)), r[rev]))
    over = np.flatnonzero(behaviour == 4)
    parts.append((over, d1[over], r[over] + 100_000))
    pos = np.concatenate([p[0] for p in parts])
    p_day = np.concatenate([p[1] for p in parts])
    amount = np.concatenate([p[2] for p in parts])
    keep = (p_day <= END) & (amount != 0)
    pos, p_day, amount = pos[keep], p_day[keep], amount[keep]
    i = payable[pos]
    m = len(i)
    return Payments(
        inv=i,
        invoice_id=inv.doc_id[i].astype(object),
        customer=accts.number[inv.acc[i]].astype(object),
        day=p_day,
        amount=amount,
        currency=inv.currency[i],
        method=METHODS[rng.choice(len(METHODS), m, p=[0.8, 0.1, 0.05, 0.05])],
        counts_for_status=np.ones(m, bool),
    )


def invoice_table(inv: Invoices, pay: Payments, accts: Accounts, deals: Deals, rng: np.random.Generator) -> Table:
    """Invoice and credit-note versions: created OPEN, then a version at each status change (credit note,
    payment, reversal, void). Credit notes are issued settled (PAID)."""
    n = len(inv.doc_id)
    created = stamp_on(inv.day, rng)
    ev_i = [np.arange(n)]
    ev_sec = [created]
    ev_paid = [np.zeros(n, np.int64)]
    ev_void = [np.zeros(n, bool)]
    has_crn = np.flatnonzero(inv.crn_day != NA)
    ev_i.append(has_crn)
    ev_sec.append(np.maximum(stamp_on(inv.crn_day[has_crn], rng), created[has_crn] + 60))
    ev_paid.append(np.zeros(len(has_crn), np.int64))
    ev_void.append(np.zeros(len(has_crn), bool))
    counted = np.flatnonzero(pay.counts_for_status & (pay.inv >= 0))
    ev_i.append(pay.inv[counted])
    ev_sec.append(np.maximum(stamp_on(pay.day[counted], rng), created[pay.inv[counted]] + 60))
    ev_paid.append(pay.amount[counted])
    ev_void.append(np.zeros(len(counted), bool))
    voided = np.flatnonzero(inv.void_day != NA)
    ev_i.append(voided)
    ev_sec.append(np.maximum(stamp_on(inv.void_day[voided], rng), created[voided] + 60))
    ev_paid.append(np.zeros(len(voided), np.int64))
    ev_void.append(np.ones(len(voided), bool))
    i = np.concatenate(ev_i)
    sec = np.concatenate(ev_sec)
    paid = np.concatenate(ev_paid)
    void = np.concatenate(ev_void)
    order = np.lexsort((sec, i))
    i, sec, paid, void = i[order], sec[order], paid[order], void[order]
    cum = np.cumsum(paid)
    grp_first = np.ones(len(i), bool)
    grp_first[1:] = i[1:] != i[:-1]
    cum = cum - np.repeat(cum[grp_first] - paid[grp_first], np.diff(np.append(np.flatnonzero(grp_first), len(i))))
    crn_sec = np.where(inv.crn_day != NA, inv.crn_day * DAY, np.iinfo(np.int64).max)
    due_now = inv.gross[i] - np.where(sec >= crn_sec[i], inv.crn_gross[i], 0)
    status = np.select(
        [void, inv.is_crn[i], (cum >= due_now) & ((cum > 0) | (due_now <= 0)), cum > 0],
        [3, 2, 2, 1],
        0,
    )
    keep = sec <= END_SEC
    i, sec, status = i[keep], sec[keep], status[keep]
    # text as codes into the per-document values (a million versions at scale 10)
    cols = {
        "invoice_id": Coded(inv.doc_id, i),
        "invoice_number": Coded(inv.number, i),
        "document_type": Coded(np.array(["INV", "CRN"], dtype=object), inv.is_crn[i].astype(np.int8)),
        "original_invoice_id": Coded.with_missing(inv.doc_id, inv.original[i]),
        "customer_number": Coded(accts.number, inv.acc[i]),
        "opportunity_id": Coded(deals.ids, inv.opp[i]),
        "salesperson_employee_id": Coded(inv.salesperson, i),
        "invoice_date": inv.day[i],
        "due_date": inv.day[i] + inv.terms[i],
        "payment_terms_days": inv.terms[i],
        "currency": Coded(np.array(CURRENCIES, dtype=object), inv.currency[i]),
        "net_amount": inv.net[i],
        "tax_amount": inv.tax[i],
        "gross_amount": inv.gross[i],
        "status": Coded(np.array(["OPEN", "PARTIAL", "PAID", "VOID"], dtype=object), status),
    }
    return Table(BY_NAME["finance__invoice"], cols, i, sec).finalize()


def payment_table(pay: Payments, rng: np.random.Generator) -> tuple[Table, np.ndarray]:
    """Payments numbered in posting order (one version each; the duplicate gets its delete in `mess`), and the
    payment_id of each position of `pay`."""
    m = len(pay.inv)
    stamp = stamp_on(pay.day, rng)
    rank = np.empty(m, np.int64)
    rank[np.lexsort((np.arange(m), stamp))] = np.arange(m)
    ids = seq_ids("PAY-", rank + 1, 6)
    cols = {
        "payment_id": ids,
        "invoice_id": pay.invoice_id,
        "customer_number": pay.customer,
        "payment_date": pay.day,
        "amount": pay.amount,
        "currency": np.array(CURRENCIES, dtype=object)[pay.currency],
        "method": pay.method,
    }
    return Table(BY_NAME["finance__payment"], cols, rank, stamp).finalize(), ids
