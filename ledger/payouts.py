"""Payout runs: settle members' payables, export the payment file, and handle what the bank says.

A run pays every member whose payable in the currency reaches the minimum: payable → payouts in
transit. The bank's answer is recorded per payout: settled (in transit → cash) or failed (the payout
is reversed, so the member is owed it again). Each step is idempotent and posted, never edited.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop import idempotency
from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.money import check_currency
from coop.kernel.principal import Principal
from coop.membership.models import Account
from ledger import books
from ledger.books import Leg
from ledger.models import LedgerAccount, Payout, PayoutOutcome, PayoutRun, Posting
from ledger.service import LedgerService

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage
    return) gets a leading apostrophe, as OWASP advises against CSV injection: a member named
    `=HYPERLINK(...)` stays a name in the bank's payment file. Numbers are written as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


@dataclass(frozen=True)
class PayoutLine:
    payout_id: int
    member_id: str
    member_name: str
    amount: int
    currency: str
    tx_id: int
    outcome: str | None


class PayoutService:
    def __init__(self, engine: Engine, ledger: LedgerService, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.ledger = ledger
        self.clock = clock

    def run(self, steward: Principal, currency: str, minimum: int, idempotency_key: str) -> str:
        """Pay every member owed at least `minimum` in `currency`. The key is the steward's own
        (a retry by them gets the same run): a run is computed from the payables, so a second run
        by another steward pays only what was earned since, never the same money twice."""
        if not steward.is_steward:
            raise NotAllowed("only stewards run payouts")
        if not isinstance(minimum, int) or minimum < 1:
            raise Refused("the minimum payout is a positive whole number of minor units")
        check_currency(currency)
        request = idempotency.scoped(steward, "payout-run", idempotency_key, {"currency": currency, "minimum": minimum})
        with write_session(self.engine) as session, session.begin():
            first = idempotency.first_answer(session, request)
            if first is not None:
                return first
            run_id, now = uuid.uuid4().hex, self.clock()
            session.add(
                PayoutRun(id=run_id, currency=currency, minimum=minimum, created_by=steward.account_id, created_at=now)
            )
            session.flush()
            idempotency.remember(session, request, run_id, now)
            owed = session.execute(
                select(LedgerAccount.member_id, func.sum(Posting.amount))
                .join(Posting, Posting.account_code == LedgerAccount.code)
                .where(LedgerAccount.member_id.is_not(None), Posting.currency == currency)
                .group_by(LedgerAccount.member_id)
            ).all()
            for member_id, balance in sorted(owed):
                amount = -int(balance)
                if member_id is None or amount < minimum:  # (no None: the query keeps members' accounts only)
                    continue
                legs = [
                    Leg(books.member_payable(member_id), amount, currency),
                    Leg(books.PAYOUTS_IN_TRANSIT, -amount, currency),
                ]
                tx = self.ledger.post_in(
                    session,
                    "payout",
                    f"Payout run {run_id}",
                    legs,
                    f"payout:{run_id}:{member_id}",
                    ref=f"payout-run:{run_id}",
                )
                session.add(Payout(run_id=run_id, member_id=member_id, amount=amount, currency=currency, tx_id=tx))
            return run_id

    def lines(self, run_id: str) -> list[PayoutLine]:
        with Session(self.engine) as session:
            if session.get(PayoutRun, run_id) is None:
                raise NotFound(f"no payout run {run_id}")
            rows = session.execute(
                select(Payout, Account)
                .join(Account, Account.id == Payout.member_id)
                .where(Payout.run_id == run_id)
                .order_by(Payout.id)
            ).all()
            outcomes = {
                payout_id: outcome
                for payout_id, outcome in session.execute(
                    select(PayoutOutcome.payout_id, PayoutOutcome.outcome)
                    .join(Payout, Payout.id == PayoutOutcome.payout_id)
                    .where(Payout.run_id == run_id)
                )
            }
            return [
                PayoutLine(p.id, p.member_id, a.display_name, p.amount, p.currency, p.tx_id, outcomes.get(p.id))
                for p, a in rows
            ]

    def runs(self) -> list[PayoutRun]:
        with Session(self.engine) as session:
            return list(session.scalars(select(PayoutRun).order_by(PayoutRun.created_at.desc())))

    def export_csv(self, run_id: str) -> str:
        """The payment file for the bank: one line per payout, amounts in minor units."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["payout_id", "member_id", "member_name", "amount_minor_units", "currency", "journal_tx"])
        for line in self.lines(run_id):
            writer.writerow(
                [
                    spreadsheet_safe(cell)
                    for cell in (
                        line.payout_id,
                        line.member_id,
                        line.member_name,
                        line.amount,
                        line.currency,
                        line.tx_id,
                    )
                ]
            )
        return out.getvalue()

    def record_outcome(self, steward: Principal, payout_id: int, outcome: str) -> int:
        """The bank settled or failed a payout. Failure reverses it: the member is owed the money again."""
        if not steward.is_steward:
            raise NotAllowed("only stewards record payout outcomes")
        if outcome not in ("settled", "failed"):
            raise Refused("a payout outcome is 'settled' or 'failed'")
        with write_session(self.engine) as session, session.begin():
            payout = session.get(Payout, payout_id)
            if payout is None:
                raise NotFound(f"no payout {payout_id}")
            recorded = session.get(PayoutOutcome, payout_id)
            if recorded is not None:
                if recorded.outcome != outcome:
                    raise Conflict(f"payout {payout_id} was already recorded as {recorded.outcome}")
                return recorded.tx_id
            if outcome == "failed":
                tx = self.ledger.reverse_in(
                    session, payout.tx_id, "the bank returned the payout", f"payout-failed:{payout_id}"
                )
            else:
                legs = [
                    Leg(books.PAYOUTS_IN_TRANSIT, payout.amount, payout.currency),
                    Leg(books.COOP_CASH, -payout.amount, payout.currency),
                ]
                tx = self.ledger.post_in(
                    session,
                    "payout-settled",
                    f"Payout {payout_id} settled",
                    legs,
                    f"payout-settled:{payout_id}",
                    ref=f"payout:{payout_id}",
                )
            session.add(PayoutOutcome(payout_id=payout_id, outcome=outcome, tx_id=tx, recorded_at=self.clock()))
            return tx
