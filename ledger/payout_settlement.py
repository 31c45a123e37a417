"""Sending a paid run to the bank and recording the bank's answer (docs/payouts.md).

`mark_sent` records that the payment file went to the bank (`payout.sent`): its payouts are *sent*.
`record_outcome`: settled (in transit → cash) or failed (the payout is reversed, so the member is
owed it again), by a steward other than the run's proposer, once the run was sent. Idempotent;
posted, never edited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop.kernel.db import write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from ledger import books
from ledger.books import Leg
from ledger.models import Payout, PayoutApproval, PayoutOutcome, PayoutProposal, PayoutRun, PayoutSent
from ledger.service import LedgerService
from provenance.service import ProvenanceLog


class PayoutSettlement:
    """Part of PayoutService (ledger.payouts), which sets the engine, books, log and clock."""

    engine: Engine
    ledger: LedgerService
    log: ProvenanceLog
    clock: Callable[[], datetime]

    def mark_sent(self, steward: Principal, run_id: str) -> int:
        """The run's payment file went to the bank. Once per run; marking it again changes nothing."""
        if not steward.is_steward:
            raise NotAllowed("only stewards send payment files")
        with write_session(self.engine) as session, session.begin():
            run = session.get(PayoutRun, run_id, with_for_update=True)
            if run is None:
                raise NotFound(f"no payout run {run_id}")
            sent = session.get(PayoutSent, run_id)
            if sent is not None:
                return sent.log_index
            proposal = session.get(PayoutProposal, run_id)
            if proposal is not None and approvals(session, run_id) < proposal.approvals_required:
                raise Conflict("the run is not approved yet: nothing is paid, so there is nothing to send")
            now = self.clock()
            index = self.log.append_coop_statement(
                session.connection(), "payout.sent", {"run": run_id, "by": steward.account_id, "time": now.isoformat()}
            )
            session.add(PayoutSent(run_id=run_id, sent_by=steward.account_id, sent_at=now, log_index=index))
            return index

    def record_outcome(self, steward: Principal, payout_id: int, outcome: str) -> int:
        """The bank settled or failed a payout. Failure reverses it: the member is owed the money again.
        Recorded by a steward other than the run's proposer, once the run was sent."""
        if not steward.is_steward:
            raise NotAllowed("only stewards record payout outcomes")
        if outcome not in ("settled", "failed"):
            raise Refused("a payout outcome is 'settled' or 'failed'")
        with write_session(self.engine) as session, session.begin():
            payout = session.get(Payout, payout_id)
            if payout is None:
                raise NotFound(f"no payout {payout_id}")
            run = session.get_one(PayoutRun, payout.run_id)
            if run.created_by == steward.account_id:
                raise NotAllowed("you proposed this payout's run: another steward records what the bank said")
            recorded = session.get(PayoutOutcome, payout_id)
            if recorded is not None:
                if recorded.outcome != outcome:
                    raise Conflict(f"payout {payout_id} was already recorded as {recorded.outcome}")
                return recorded.tx_id
            if session.get(PayoutProposal, run.id) is not None and session.get(PayoutSent, run.id) is None:
                raise Conflict("mark the run sent first: the bank answers only for a payment file it received")
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


def approvals(session: Session, run_id: str) -> int:
    """How many stewards approved the run (it is paid once they reach its approvals_required)."""
    count = session.scalar(select(func.count()).select_from(PayoutApproval).where(PayoutApproval.run_id == run_id))
    return int(count or 0)
