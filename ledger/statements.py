"""A member's statement: every event that moved money to or from them, with the arithmetic.

For a revenue share the statement carries what the member needs to redo it by hand: for each of
their contributions (or their reviews), the weight, the total weight W, the pool, ⌊pool·w/W⌋, the
remainder pool·w mod W and whether a leftover unit came to them. Those lines are not stored (a
release may hold a million contributions): they are recomputed for this member only, from the
split's stored threshold and their own contributions in the license, and the member's summary rows
(revenue_share_summary, read through one indexed query) give their reviews' weight
(ledger.formula_compact). Events shared before migration 0009 carry the full split and are read
as they are.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

import msgspec
from datetime import datetime
from typing import Any, Iterator, NamedTuple

from sqlalchemy import case, null, select
from sqlalchemy.orm import Session

from ledger.books import member_payable
from ledger.formula_compact import REVIEWER, contribution_lines, review_line
from ledger.models import JournalTx, Posting, RevenueShareSummary
from ledger.service import LedgerService


class StatementLine(NamedTuple):
    """One posting to the member's payable. A named tuple, not a frozen dataclass: a statement
    builds 10,000 of them, and a frozen dataclass takes 2.5× as long to build."""

    tx_id: int
    at: datetime
    kind: str
    description: str
    ref: str | None
    amount: int  # to the member (positive) or paid out (negative)
    currency: str
    arithmetic: dict[str, Any]  # of a revenue share: the event, the pools and the member's lines; else empty


def member_statement(ledger: LedgerService, member_id: str, since: datetime | None = None, until: datetime | None = None) -> list[StatementLine]:
    """Every posting to the member's payable, oldest first, in [since, until) when given, with the
    arithmetic of revenue shares.

    One query for the member's postings with their transactions (not every leg of every
    transaction: a revenue share has one leg per member of the release), one for their reviewer
    summary rows, one for their licensed contributions (bench/money_bench.py: 10,000 events)."""
    account = member_payable(member_id)
    query = (select(JournalTx.id, JournalTx.occurred_at, JournalTx.kind, JournalTx.description, JournalTx.ref, Posting.amount, Posting.currency,
                    case((JournalTx.kind == "revenue-share", JournalTx.details), else_=null()))
             .join(Posting, Posting.tx_id == JournalTx.id).where(Posting.account_code == account).order_by(JournalTx.id, Posting.id))
    if since is not None:
        query = query.where(JournalTx.occurred_at >= since)
    if until is not None:
        query = query.where(JournalTx.occurred_at < until)
    with Session(ledger.engine) as session, _no_cyclic_collection():
        rows = session.connection().execute(query).all()  # Core rows: the ORM's row processing cost a third of the statement
        shares = _member_shares(session, member_id, {tx_id: (ref, details) for tx_id, _, _, _, ref, _, _, details in rows if details is not None})
        return [StatementLine(tx_id, at, kind, description, ref, -amount, currency, shares.get(tx_id, {}))
                for tx_id, at, kind, description, ref, amount, currency, _ in rows]


@contextmanager
def _no_cyclic_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a statement is built. A statement allocates
    ~100,000 rows, lines and dicts that hold no reference cycles (reference counting frees them all),
    yet their number alone triggers collections that rescan them and every other live object of
    the process (one measurement of a 10,000-event statement: p50 167 → 108 ms; bench/README.md). Collection
    resumes afterwards (only if this call paused it: nested or concurrent calls leave it to the
    first), so nothing is kept that would not be kept anyway."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _member_shares(session: Session, member_id: str, events: dict[int, tuple[str | None, str]]) -> dict[int, dict[str, Any]]:
    """Per revenue-share transaction (id → (ref, details JSON)): the member's arithmetic, their
    contribution and review lines recomputed from the compact split (two queries for them all)."""
    from coop.datasets.revenue import member_contributions  # the contributions live with the datasets

    if not events:
        return {}
    splits = {tx_id: _decode(details) for tx_id, (_, details) in events.items()}
    rows = session.execute(select(RevenueShareSummary.share_tx_id, RevenueShareSummary.weight)
                           .where(RevenueShareSummary.member_id == member_id, RevenueShareSummary.pool == REVIEWER,
                                  RevenueShareSummary.share_tx_id >= min(events), RevenueShareSummary.share_tx_id <= max(events))).all()
    reviewed = {tx_id: weight for tx_id, weight in rows}  # the weight of the member's reviews, per event they had a share of as a reviewer
    licenses = {tx_id: (ref or "").removeprefix("license:") for tx_id, (ref, _) in events.items()}
    mine = member_contributions(session, sorted(set(licenses.values())), member_id)  # the contributor pool's lines: theirs in the license
    arithmetic = {}
    for tx_id, split in splits.items():
        if "contributor_shares" in split:  # shared before migration 0009: the full split is stored
            contributions = [s for s in split["contributor_shares"] if s["member"] == member_id]
            reviews = [s for s in split["reviewer_shares"] if s["member"] == member_id]
        else:
            contributions = contribution_lines(split, mine.get(licenses[tx_id], []), member_id)
            reviews = [review_line(split, member_id, reviewed[tx_id])] if tx_id in reviewed else []
        arithmetic[tx_id] = {
            "event_amount": split["amount"], "formula": split["formula"], "reserve": split["reserve"], "reviewer_pool": split["reviewer_pool"],
            "contributor_pool": split["contributor_pool"], "contributions": contributions, "reviews": reviews,
        }
    return arithmetic


_decode = msgspec.json.Decoder().decode  # 4× json.loads on the splits' few hundred bytes each, thousands per statement


def totals_by_month(lines: list[StatementLine]) -> list[tuple[str, str, int]]:
    """(YYYY-MM, currency, earned) for the earnings chart; payouts are not earnings."""
    totals: dict[tuple[str, str], int] = {}
    for line in lines:
        if line.kind in ("base-pay", "revenue-share") or (line.kind == "reversal" and line.amount < 0 and "payout" not in (line.ref or "")):
            key = (line.at.strftime("%Y-%m"), line.currency)
            totals[key] = totals.get(key, 0) + line.amount
    return [(month, currency, amount) for (month, currency), amount in sorted(totals.items())]
