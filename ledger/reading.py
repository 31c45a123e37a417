"""Reading the books: balances, transactions with their legs, and the checks that healthy books pass.

Apart from `service` (posting and reversing, with the rules that keep the books trustworthy):
`LedgerService` inherits these reads, so its callers keep one object for both.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ledger.books import Leg, member_payable
from ledger.models import JournalTx, LedgerAccount, Posting


@dataclass(frozen=True)
class TxView:
    id: int
    kind: str
    description: str
    occurred_at: datetime
    ref: str | None
    log_index: int | None
    reverses_tx_id: int | None
    legs: list[Leg]
    details: dict[str, Any]


class LedgerReading:
    """The reading half of `LedgerService` (which sets `engine`)."""

    engine: Engine

    def balances(self, account: str) -> dict[str, int]:
        with Session(self.engine) as session:
            return balances_in(session, account)

    def member_balance(self, member_id: str) -> dict[str, int]:
        """What the co-op owes the member, per currency (positive)."""
        return {currency: -amount for currency, amount in self.balances(member_payable(member_id)).items()}

    def transactions(self, account: str | None = None, ref_prefix: str | None = None) -> list[TxView]:
        """The transactions (with all their legs) touching `account` and/or with a ref starting with
        `ref_prefix`, by id. Legs come in one query for all of them, not one per transaction: a
        member's statement may list 10,000 (bench/money_bench.py)."""
        with Session(self.engine) as session:
            ids = select(JournalTx.id)
            if account is not None:
                ids = ids.where(JournalTx.id.in_(select(Posting.tx_id).where(Posting.account_code == account)))
            if ref_prefix is not None:
                ids = ids.where(JournalTx.ref.like(f"{ref_prefix}%"))
            legs: dict[int, list[Leg]] = defaultdict(list)
            postings = select(Posting.tx_id, Posting.account_code, Posting.amount, Posting.currency).where(
                Posting.tx_id.in_(ids)
            )
            for tx_id, code, amount, currency in session.execute(postings.order_by(Posting.tx_id, Posting.id)):
                legs[tx_id].append(Leg(code, amount, currency))
            columns = (
                JournalTx.id,
                JournalTx.kind,
                JournalTx.description,
                JournalTx.occurred_at,
                JournalTx.ref,
                JournalTx.log_index,
                JournalTx.reverses_tx_id,
                JournalTx.details,
            )  # columns, not ORM objects (bench/README.md)
            txs = session.execute(select(*columns).where(JournalTx.id.in_(ids)).order_by(JournalTx.id))
            return [
                TxView(tx_id, kind, description, at, ref, log_index, reverses, legs[tx_id], json.loads(details))
                for tx_id, kind, description, at, ref, log_index, reverses, details in txs
            ]

    def unbalanced_transactions(self) -> list[tuple[int, str, int]]:
        """Every (tx, currency, sum) that does not sum to zero: empty in healthy books."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(Posting.tx_id, Posting.currency, func.sum(Posting.amount))
                .group_by(Posting.tx_id, Posting.currency)
                .having(func.sum(Posting.amount) != 0)
            ).all()
            return [(int(t), c, int(s)) for t, c, s in rows]

    def trial_balance(self) -> dict[tuple[str, str], int]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(Posting.account_code, Posting.currency, func.sum(Posting.amount)).group_by(
                    Posting.account_code, Posting.currency
                )
            ).all()
            return {(a, c): int(s) for a, c, s in rows if int(s) != 0}

    def accounts(self) -> list[LedgerAccount]:
        with Session(self.engine) as session:
            return list(session.scalars(select(LedgerAccount).order_by(LedgerAccount.code)))


def balances_in(session: Session, account: str) -> dict[str, int]:
    rows = session.execute(
        select(Posting.currency, func.sum(Posting.amount))
        .where(Posting.account_code == account)
        .group_by(Posting.currency)
    ).all()
    return {c: int(s) for c, s in rows if int(s) != 0}
