"""Payout runs under the two-person rule: proposed by one steward, paid on another's signed approval,
sent to the bank, and the bank's answer recorded by someone other than the proposer (docs/payouts.md).

- `propose` computes the lines from the payables (every member owed at least the minimum), stores
  them and logs `payout.proposed` with their count, total and Merkle root. Nothing is posted.
- `approve` takes a `payout.approved` statement signed by a steward's key (custodial: with their
  password) over that root and total, checks the approver against the rules (ledger.payout_rules),
  logs it, and once the run has the approvals its policy version requires, posts every line
  (payable → payouts in transit), re-checking each payable still covers its line.
- `mark_sent` records that the payment file went to the bank (`payout.sent`).
- `record_outcome`: settled (in transit → cash) or failed (the payout is reversed, so the member is
  owed it again); never by the run's proposer. Each step is idempotent and posted, never edited.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop import idempotency
from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.money import check_currency
from coop.kernel.principal import Principal
from coop.membership.keys import KeyService
from coop.statements import check_input
from ledger import books
from ledger.books import Leg
from ledger.models import (
    LedgerAccount,
    Payout,
    PayoutApproval,
    PayoutProposal,
    PayoutRun,
    Posting,
    ProposedPayout,
)
from ledger.payout_rules import describe, lines_root, major_units, refusal
from ledger.payout_settlement import PayoutSettlement
from ledger.payout_views import PayoutLine, PayoutReading, people, policy_of, proposed_lines, spreadsheet_safe
from ledger.ports import PayoutPolicy
from ledger.reading import balances_in
from ledger.service import BooksRefused, LedgerService
from provenance.core.canonical import canonical_json
from provenance.core.signing import SignedStatement
from provenance.service import ProvenanceLog

__all__ = ["APPROVAL_KIND", "PayoutLine", "PayoutService", "spreadsheet_safe"]

APPROVAL_KIND = "payout.approved"
APPROVAL_FIELDS = {"run", "member", "lines_root", "total", "currency", "approved_at"}
CLOCK_SKEW = timedelta(minutes=5)


class PayoutService(PayoutSettlement, PayoutReading):
    def __init__(
        self,
        engine: Engine,
        ledger: LedgerService,
        log: ProvenanceLog,
        keys: KeyService,
        policy: PayoutPolicy,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.engine = engine
        self.ledger = ledger
        self.log = log
        self.keys = keys
        self.policy = policy
        self.clock = clock

    # -- proposing ---------------------------------------------------------------------------

    def propose(self, steward: Principal, currency: str, minimum: int, idempotency_key: str) -> str:
        """Propose paying every member owed at least `minimum` in `currency`; nothing is posted. The key
        is the steward's own (a retry by them gets the same run)."""
        if not steward.is_steward:
            raise NotAllowed("only stewards propose payout runs")
        if not isinstance(minimum, int) or minimum < 1:
            raise Refused("the minimum payout is a positive whole number of minor units")
        check_currency(currency)
        request = idempotency.scoped(steward, "payout-run", idempotency_key, {"currency": currency, "minimum": minimum})
        with write_session(self.engine) as session, session.begin():
            first = idempotency.first_answer(session, request)
            if first is not None:
                return first
            run_id, now = uuid.uuid4().hex, self.clock()
            policy = self.policy(now)
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
            lines = sorted((str(member), -int(balance)) for member, balance in owed if -int(balance) >= minimum)
            root, total = lines_root(lines), sum(amount for _, amount in lines)
            index = self.log.append_coop_statement(
                session.connection(),
                "payout.proposed",
                {
                    "run": run_id,
                    "by": steward.account_id,
                    "currency": currency,
                    "minimum": minimum,
                    "lines": len(lines),
                    "total": total,
                    "lines_root": root,
                    "policy": policy.ref,
                    "time": now.isoformat(),
                },
            )
            session.add(
                PayoutProposal(
                    run_id=run_id,
                    line_count=len(lines),
                    total=total,
                    lines_root=root,
                    approvals_required=policy.approvals_required,
                    recent_admission_days=policy.recent_admission_days,
                    policy_version=policy.version,
                    log_index=index,
                )
            )
            session.add_all(
                ProposedPayout(run_id=run_id, member_id=member, amount=amount, currency=currency)
                for member, amount in lines
            )
            return run_id

    # -- approving ---------------------------------------------------------------------------

    def approval_body(self, approver: Principal, run_id: str) -> dict[str, Any]:
        """What an approver signs: the run's lines as their root and total, and the time."""
        with Session(self.engine) as session:
            run, proposal = _proposed(session, run_id)
            return {
                "run": run_id,
                "member": approver.account_id,
                "lines_root": proposal.lines_root,
                "total": proposal.total,
                "currency": run.currency,
                "approved_at": self.clock().replace(microsecond=0).isoformat(),
            }

    def approve_with_password(self, approver: Principal, run_id: str, password: str) -> int:
        """Approve with a custodial key: refused before the key is opened when the rules say no."""
        self._check_approver(approver, run_id)
        body = self.approval_body(approver, run_id)
        return self.approve(approver, run_id, self.keys.sign_as(approver, password, APPROVAL_KIND, body))

    def approve(self, approver: Principal, run_id: str, statement: SignedStatement) -> int:
        """Check and log a signed approval; the approval that completes the run posts its lines.
        Approving twice returns the first approval's log index and changes nothing."""
        if statement.kind != APPROVAL_KIND:
            raise Refused(f"an approval is a '{APPROVAL_KIND}' statement")
        check_input(APPROVAL_KIND, statement.body)
        key = self.keys.verify_member_statement(statement)
        body = dict(statement.body)
        if (
            key.account_id != approver.account_id
            or body["member"] != approver.account_id
            or set(body) != APPROVAL_FIELDS
        ):
            raise NotAllowed(
                "an approval is {run, member, lines_root, total, currency, approved_at}, signed by your own key"
            )
        now = self.clock()
        if abs(datetime.fromisoformat(body["approved_at"]) - now) > CLOCK_SKEW:
            raise Refused("the approval's approved_at is not the current time; sign it again")
        with write_session(self.engine) as session, session.begin():
            run, proposal = _proposed(session, run_id, lock=True)
            if body["run"] != run_id:
                raise NotFound(f"the approval is of run {body['run']}, not {run_id}")
            mine = session.get(PayoutApproval, (run_id, approver.account_id))
            if mine is not None:
                return mine.log_index
            given = session.scalar(
                select(func.count()).select_from(PayoutApproval).where(PayoutApproval.run_id == run_id)
            )
            if int(given or 0) >= proposal.approvals_required:
                raise Conflict(
                    f"run {run_id} already has the {proposal.approvals_required} approval(s) it needed and is paid"
                )
            if (body["lines_root"], body["total"], body["currency"]) != (
                proposal.lines_root,
                proposal.total,
                run.currency,
            ):
                raise Conflict(
                    "the signed root, total or currency is not this run's: read the run again and sign its lines"
                )
            lines = proposed_lines(session, run_id)
            reason = refusal(
                people(session, [approver.account_id])[approver.account_id],
                run.created_by,
                lines,
                policy_of(proposal),
                now,
            )
            if reason is not None:
                raise NotAllowed(reason)
            index = self.log.append_in_transaction(session.connection(), [statement])[0]
            if self.keys.ended(session, key.key_id):  # read after the log's head lock, as a ballot's
                raise Conflict(f"key {key.key_id} was revoked or rotated as this approval was made; sign it again")
            session.add(
                PayoutApproval(
                    run_id=run_id,
                    approver_id=approver.account_id,
                    approved_at=now,
                    statement_sha256=hashlib.sha256(canonical_json(body)).hexdigest(),
                    log_index=index,
                )
            )
            if int(given or 0) + 1 == proposal.approvals_required:
                self._pay(session, run, lines)
            return index

    def _check_approver(self, approver: Principal, run_id: str) -> None:
        with Session(self.engine) as session:
            run, proposal = _proposed(session, run_id)
            if session.get(PayoutApproval, (run_id, approver.account_id)) is not None:
                return  # approving again: idempotent, answered by approve()
            person = people(session, [approver.account_id]).get(approver.account_id)
            if person is None:
                raise NotAllowed("only stewards approve payout runs")
            reason = refusal(person, run.created_by, proposed_lines(session, run_id), policy_of(proposal), self.clock())
            if reason is not None:
                raise NotAllowed(reason)

    def _pay(self, session: Session, run: PayoutRun, lines: list[Any]) -> None:
        """Post every line: payable → payouts in transit, each payable re-checked (locked on PostgreSQL)."""
        if session.get_bind().dialect.name == "postgresql":
            codes = sorted(books.member_payable(line.payee.member_id) for line in lines)
            session.execute(select(LedgerAccount.code).where(LedgerAccount.code.in_(codes)).with_for_update())
        for line in lines:
            member = line.payee.member_id
            owed = -balances_in(session, books.member_payable(member)).get(run.currency, 0)
            if owed < line.amount:
                raise Conflict(
                    f"{describe(line)}: the member is now owed {major_units(owed, run.currency)}; another run "
                    "paid them since this one was proposed. Propose a new run."
                )
            legs = [
                Leg(books.member_payable(member), line.amount, run.currency),
                Leg(books.PAYOUTS_IN_TRANSIT, -line.amount, run.currency),
            ]
            try:
                tx = self.ledger.post_in(
                    session,
                    "payout",
                    f"Payout run {run.id}",
                    legs,
                    f"payout:{run.id}:{member}",
                    ref=f"payout-run:{run.id}",
                )
            except BooksRefused as error:
                raise Conflict(f"{describe(line)}: {error}") from error
            session.add(Payout(run_id=run.id, member_id=member, amount=line.amount, currency=run.currency, tx_id=tx))


def _proposed(session: Session, run_id: str, lock: bool = False) -> tuple[PayoutRun, PayoutProposal]:
    run = session.get(PayoutRun, run_id, with_for_update=lock)
    if run is None:
        raise NotFound(f"no payout run {run_id}")
    proposal = session.get(PayoutProposal, run_id)
    if proposal is None:
        raise Conflict(f"run {run_id} was paid before the two-person rule: there is nothing to approve")
    return run, proposal
