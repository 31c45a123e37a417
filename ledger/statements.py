"""A member's statement: every event that moved money to or from them, with the arithmetic.

For a revenue share the statement carries what the member needs to redo it by hand: for each of
their contributions (or their reviews), the weight, the total weight W, the pool, ⌊pool·w/W⌋, the
remainder pool·w mod W and whether a leftover unit came to them. Those lines are not stored (a
release may hold a million contributions): they are recomputed for this member only, from the
split's stored threshold and their own contributions in the license, and the member's summary rows
(revenue_share_summary, read through one indexed query) give their reviews' weight
(ledger.formula.compact). Their contributions as licensed live with the datasets, above the
ledger: the statement asks for them through the ledger's `licensed_contributions` port
(ledger.ports, wired by web/runtime.py). Events shared before migration 0009 carry the full split
and are read as they are.

A member with 10,000 events reads their statement a page at a time (`statement_page`, keyset on the
transaction id) with the month totals summed by the database (`earnings_by_month`), a fraction of
what the whole statement in one call costs (bench/README.md, "Money": the statement figures).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import msgspec
from sqlalchemy import ColumnElement, and_, case, func, null, or_, select
from sqlalchemy.orm import Session

from ledger.books import member_payable
from ledger.fastpath_gc import cyclic_collection_paused
from ledger.formula import (
    REVIEWER,
    ContributionWeightInput,
    contribution_lines,
    review_line,
)
from ledger.models import JournalTx, Posting, RevenueEvent, RevenueShareSummary
from ledger.service import LedgerService


class StatementLine(NamedTuple):
    """One posting to the member's payable. A named tuple, not a frozen dataclass: a statement
    builds 10,000 of them, and a named tuple is cheaper to build (bench/README.md, "Fast paths in the ledger")."""

    tx_id: int
    at: datetime
    kind: str
    description: str
    ref: str | None
    amount: int  # to the member (positive) or paid out (negative)
    currency: str
    arithmetic: dict[str, Any]  # of a revenue share: the event, the pools and the member's lines; else empty
    revenue_event: int | None = None  # of a revenue share: its event's id (GET /api/revenue-events/{id}); else None


class StatementPage(NamedTuple):
    """Up to `limit` transactions' lines of a statement, and where the next page starts."""

    lines: list[StatementLine]
    next_cursor: (
        int | None
    )  # the last transaction id on this page if more follow (pass it back as `cursor`); None at the end


def member_statement(
    ledger: LedgerService, member_id: str, since: datetime | None = None, until: datetime | None = None
) -> list[StatementLine]:
    """Every posting to the member's payable, oldest first, in [since, until) when given, with the
    arithmetic of revenue shares: the whole statement (bench/money_bench.py: 10,000 events)."""
    return _read(ledger, member_id, since, until)


def statement_page(
    ledger: LedgerService,
    member_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    cursor: int | None = None,
    limit: int = 50,
    newest_first: bool = False,
) -> StatementPage:
    """One page of the statement: the lines of the next `limit` transactions after `cursor` (a
    transaction id) in the chosen order. Pages end between transactions, never inside one, so a
    cursor is just the last transaction id shown. What a member opens: a 10,000-event statement is
    200 pages of 50, and the month totals for the chart come from `earnings_by_month` in SQL."""
    if limit < 1:
        raise ValueError("a page holds at least one transaction")
    lines = _read(ledger, member_id, since, until, cursor, newest_first, limit + 1)
    last_txs = list(dict.fromkeys(line.tx_id for line in lines))
    if len(last_txs) <= limit:
        return StatementPage(lines, None)
    beyond = last_txs[limit]
    return StatementPage([line for line in lines if line.tx_id != beyond], last_txs[limit - 1])


def _read(
    ledger: LedgerService,
    member_id: str,
    since: datetime | None,
    until: datetime | None,
    cursor: int | None = None,
    newest_first: bool = False,
    transactions: int | None = None,
) -> list[StatementLine]:
    """The lines of the member's postings in the period, past `cursor`, of the first `transactions`
    transactions (all when None). One query for the member's postings with their transactions (not
    every leg of every transaction: a revenue share has one leg per member of the release), one for
    their reviewer summary rows, one for their licensed contributions."""
    account = member_payable(member_id)
    period = _within(since, until)
    conditions = [Posting.account_code == account, *period]
    if cursor is not None:
        conditions.append(Posting.tx_id < cursor if newest_first else Posting.tx_id > cursor)
    order = Posting.tx_id.desc() if newest_first else Posting.tx_id
    if (
        transactions is not None
    ):  # a page: the first `transactions` transactions that qualify, whatever their number of legs to the member
        page = select(Posting.tx_id).where(*conditions).distinct().order_by(order).limit(transactions)
        if period:
            page = page.join(JournalTx, JournalTx.id == Posting.tx_id)
        conditions = [Posting.account_code == account, Posting.tx_id.in_(page)]
    query = (
        select(
            JournalTx.id,
            JournalTx.occurred_at,
            JournalTx.kind,
            JournalTx.description,
            JournalTx.ref,
            Posting.amount,
            Posting.currency,
            case((JournalTx.kind == "revenue-share", JournalTx.details), else_=null()),
        )
        .join(Posting, Posting.tx_id == JournalTx.id)
        .where(*conditions)
        .order_by(order, Posting.id)
    )
    with Session(ledger.engine) as session, cyclic_collection_paused():
        rows = session.connection().execute(query).all()  # Core rows, not ORM objects (bench/README.md, "Fast paths …")
        shares = _member_shares(
            ledger,
            session,
            member_id,
            {tx_id: (ref, details) for tx_id, _, _, _, ref, _, _, details in rows if details is not None},
        )
        return [
            StatementLine(
                tx_id,
                at,
                kind,
                description,
                ref,
                -amount,
                currency,
                shares.get(tx_id, {}),
                shares[tx_id]["event"] if tx_id in shares else None,
            )
            for tx_id, at, kind, description, ref, amount, currency, _ in rows
        ]


def _within(since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    """A statement period on the transactions' time: [since, until), either end open when None."""
    bounds = []
    if since is not None:
        bounds.append(JournalTx.occurred_at >= since)
    if until is not None:
        bounds.append(JournalTx.occurred_at < until)
    return bounds


def _member_shares(
    ledger: LedgerService, session: Session, member_id: str, events: dict[int, tuple[str | None, str]]
) -> dict[int, dict[str, Any]]:
    """Per revenue-share transaction (id → (ref, details JSON)): the member's arithmetic, their
    contribution and review lines recomputed from the compact split (two queries for them all)."""
    if not events:
        return {}
    splits = {tx_id: _decode(details) for tx_id, (_, details) in events.items()}
    rows = session.execute(
        select(RevenueShareSummary.share_tx_id, RevenueShareSummary.weight, RevenueShareSummary.cents).where(
            RevenueShareSummary.member_id == member_id,
            RevenueShareSummary.pool == REVIEWER,
            RevenueShareSummary.share_tx_id >= min(events),
            RevenueShareSummary.share_tx_id <= max(events),
        )
    ).all()
    event_ids = dict(
        session.execute(
            select(RevenueEvent.share_tx_id, RevenueEvent.id).where(
                RevenueEvent.share_tx_id >= min(events), RevenueEvent.share_tx_id <= max(events)
            )
        ).all()
    )  # two events with the same description are told apart by their ids
    reviewed = {
        tx_id: (weight, cents) for tx_id, weight, cents in rows
    }  # the weight of the member's reviews and their cents, per event they had a share of as a reviewer
    licenses = {tx_id: (ref or "").removeprefix("license:") for tx_id, (ref, _) in events.items()}
    compact = {licenses[tx_id] for tx_id, split in splits.items() if "contributor_shares" not in split}
    # The contributor pool's lines: the member's own contributions in each license shared compactly.
    mine = _licensed_contributions(ledger, session, sorted(compact), member_id) if compact else {}
    arithmetic = {}
    for tx_id, split in splits.items():
        if "contributor_shares" in split:  # shared before migration 0009: the full split is stored
            contributions = [s for s in split["contributor_shares"] if s["member"] == member_id]
            reviews = [s for s in split["reviewer_shares"] if s["member"] == member_id]
        else:
            contributions = contribution_lines(split, mine.get(licenses[tx_id], []), member_id)
            reviews = [review_line(split, member_id, *reviewed[tx_id])] if tx_id in reviewed else []
        arithmetic[tx_id] = {
            "event": event_ids.get(tx_id),
            "event_amount": split["amount"],
            "formula": split["formula"],
            "reserve": split["reserve"],
            "reviewer_pool": split["reviewer_pool"],
            "contributor_pool": split["contributor_pool"],
            "contributions": contributions,
            "reviews": reviews,
        }
    return arithmetic


def _licensed_contributions(
    ledger: LedgerService, session: Session, license_ids: list[str], member_id: str
) -> dict[str, list[ContributionWeightInput]]:
    """The member's contributions in the licenses, through the ledger's port (ledger.ports)."""
    if ledger.licensed_contributions is None:
        raise RuntimeError(
            "these books were built without licensed_contributions (ledger.ports): a statement with revenue shares "
            "needs the member's licensed contributions "
            "(web/runtime.py wires coop.datasets.share_inputs.member_contributions)"
        )
    return ledger.licensed_contributions(session, license_ids, member_id)


_decode = msgspec.json.Decoder().decode  # faster than json.loads on thousands of small splits (bench/README.md)


def earnings_by_month(
    ledger: LedgerService, member_id: str, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[str, str, int]]:
    """(YYYY-MM, currency, earned) over the period, for the earnings chart: summed by the database,
    so the chart of a 10,000-event statement does not need its 10,000 lines. Earned: base pay and
    revenue shares, less reversals of them (a reversal taking money back that was not a payout's);
    payouts are not earnings."""
    month = _month(ledger.engine.dialect.name)
    earned = or_(
        JournalTx.kind.in_(("base-pay", "revenue-share")),
        and_(JournalTx.kind == "reversal", Posting.amount > 0, func.coalesce(JournalTx.ref, "").not_like("%payout%")),
    )
    query = (
        select(month, Posting.currency, func.sum(-Posting.amount))
        .join(Posting, Posting.tx_id == JournalTx.id)
        .where(Posting.account_code == member_payable(member_id), earned, *_within(since, until))
        .group_by(month, Posting.currency)
        .order_by(month, Posting.currency)
    )
    with ledger.engine.connect() as conn:
        return [(str(m), currency, int(amount)) for m, currency, amount in conn.execute(query)]


def _month(dialect: str) -> ColumnElement[str]:
    """A transaction's month (UTC) as YYYY-MM. SQLite keeps UTC times as ISO text (coop.kernel.db.UtcDateTime)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", JournalTx.occurred_at), "YYYY-MM")
    return func.substr(JournalTx.occurred_at, 1, 7)
