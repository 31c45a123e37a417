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

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.books import member_payable
from ledger.formula_compact import CONTRIBUTOR, REVIEWER, contribution_lines, review_line
from ledger.models import RevenueShareSummary
from ledger.service import LedgerService, TxView


@dataclass(frozen=True)
class StatementLine:
    tx_id: int
    at: datetime
    kind: str
    description: str
    ref: str | None
    amount: int  # to the member (positive) or paid out (negative)
    currency: str
    arithmetic: dict[str, Any] = field(default_factory=dict)


def member_statement(ledger: LedgerService, member_id: str, since: datetime | None = None, until: datetime | None = None) -> list[StatementLine]:
    account = member_payable(member_id)
    chosen = [tx for tx in ledger.transactions(account=account)
              if not ((since and tx.occurred_at < since) or (until and tx.occurred_at >= until))]
    shares = _member_shares(ledger, member_id, [tx for tx in chosen if tx.kind == "revenue-share" and "contributor_shares" not in tx.details])
    lines = []
    for tx in chosen:
        for leg in tx.legs:
            if leg.account == account:
                lines.append(StatementLine(tx.id, tx.occurred_at, tx.kind, tx.description, tx.ref, -leg.amount, leg.currency, _arithmetic(tx, member_id, shares)))
    return lines


def _member_shares(ledger: LedgerService, member_id: str, txs: list[TxView]) -> dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Per compact revenue-share transaction: the member's contribution lines and review lines,
    recomputed (two queries for the whole statement, not one per event)."""
    from coop.datasets.revenue import member_contributions  # the contributions live with the datasets

    if not txs:
        return {}
    with Session(ledger.engine) as session:
        rows = session.execute(select(RevenueShareSummary.share_tx_id, RevenueShareSummary.pool, RevenueShareSummary.weight)
                               .where(RevenueShareSummary.member_id == member_id)).all()
        wanted = {tx.id for tx in txs}
        summary = {(tx_id, pool): weight for tx_id, pool, weight in rows if tx_id in wanted}
        licenses = sorted({tx.ref.removeprefix("license:") for tx in txs if (tx.id, CONTRIBUTOR) in summary and tx.ref})
        mine = member_contributions(session, licenses, member_id)
    shares = {}
    for tx in txs:
        contributions = contribution_lines(tx.details, mine.get((tx.ref or "").removeprefix("license:"), []), member_id) if (tx.id, CONTRIBUTOR) in summary else []
        reviews = [review_line(tx.details, member_id, summary[(tx.id, REVIEWER)])] if (tx.id, REVIEWER) in summary else []
        shares[tx.id] = (contributions, reviews)
    return shares


def _arithmetic(tx: TxView, member_id: str, shares: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]]) -> dict[str, Any]:
    if tx.kind != "revenue-share":
        return {}
    details = tx.details
    if tx.id in shares:
        contributions, reviews = shares[tx.id]
    else:  # shared before migration 0009: the full split is stored
        contributions = [s for s in details["contributor_shares"] if s["member"] == member_id]
        reviews = [s for s in details["reviewer_shares"] if s["member"] == member_id]
    return {
        "event_amount": details["amount"], "formula": details["formula"], "reserve": details["reserve"],
        "reviewer_pool": details["reviewer_pool"], "contributor_pool": details["contributor_pool"],
        "contributions": contributions, "reviews": reviews,
    }


def totals_by_month(lines: list[StatementLine]) -> list[tuple[str, str, int]]:
    """(YYYY-MM, currency, earned) for the earnings chart; payouts are not earnings."""
    totals: dict[tuple[str, str], int] = {}
    for line in lines:
        if line.kind in ("base-pay", "revenue-share") or (line.kind == "reversal" and line.amount < 0 and "payout" not in (line.ref or "")):
            key = (line.at.strftime("%Y-%m"), line.currency)
            totals[key] = totals.get(key, 0) + line.amount
    return [(month, currency, amount) for (month, currency), amount in sorted(totals.items())]
