"""A member's statement: every event that moved money to or from them, with the arithmetic.

For a revenue share the statement carries what the member needs to redo it by hand: for each of
their contributions (or their reviews), the weight, the total weight W, the pool, ⌊pool·w/W⌋, the
remainder pool·w mod W and whether a leftover unit came to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.books import member_payable
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
    lines = []
    for tx in ledger.transactions(account=account):
        if (since and tx.occurred_at < since) or (until and tx.occurred_at >= until):
            continue
        for leg in tx.legs:
            if leg.account == account:
                lines.append(StatementLine(tx.id, tx.occurred_at, tx.kind, tx.description, tx.ref, -leg.amount, leg.currency, _arithmetic(tx, member_id)))
    return lines


def _arithmetic(tx: TxView, member_id: str) -> dict[str, Any]:
    if tx.kind != "revenue-share":
        return {}
    details = tx.details
    return {
        "event_amount": details["amount"], "formula": details["formula"], "reserve": details["reserve"],
        "reviewer_pool": details["reviewer_pool"], "contributor_pool": details["contributor_pool"],
        "contributions": [s for s in details["contributor_shares"] if s["member"] == member_id],
        "reviews": [s for s in details["reviewer_shares"] if s["member"] == member_id],
    }


def totals_by_month(lines: list[StatementLine]) -> list[tuple[str, str, int]]:
    """(YYYY-MM, currency, earned) for the earnings chart; payouts are not earnings."""
    totals: dict[tuple[str, str], int] = {}
    for line in lines:
        if line.kind in ("base-pay", "revenue-share") or (line.kind == "reversal" and line.amount < 0 and "payout" not in (line.ref or "")):
            key = (line.at.strftime("%Y-%m"), line.currency)
            totals[key] = totals.get(key, 0) + line.amount
    return [(month, currency, amount) for (month, currency), amount in sorted(totals.items())]
