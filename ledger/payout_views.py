"""What anyone in the co-op sees of payouts: every run with its lines and total before it is paid,
who proposed and who approved it, and each payout as pending / approved / sent / settled / failed
(docs/payouts.md). Reading never writes; the payment file for the bank is built here too.

Statuses: a proposed run's lines are *pending* until enough approvals post them (*approved*); a
steward marks the run *sent* when the payment file went to the bank; the bank's answer makes each
payout *settled* or *failed*. A run from before the two-person rule (no proposal) was posted at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.errors import NotFound
from coop.membership.directory import current_steward_ids, roles_by_account
from coop.membership.models import Account, Member
from ledger.models import (
    Payout,
    PayoutApproval,
    PayoutOutcome,
    PayoutProposal,
    PayoutRun,
    PayoutSent,
    ProposedPayout,
)
from ledger.payout_rules import ApprovalPolicy, Line, Person, no_approver_reason

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
    payout_id: int | None  # None while the run is pending: nothing is posted yet
    member_id: str
    member_name: str
    amount: int
    currency: str
    tx_id: int | None
    outcome: str | None
    status: str  # pending | approved | sent | settled | failed
    run_id: str = ""


@dataclass(frozen=True)
class Approval:
    approver_id: str
    approver_name: str
    approved_at: datetime
    log_index: int


@dataclass(frozen=True)
class RunView:
    id: str
    currency: str
    minimum: int
    proposed_by: str
    proposed_by_name: str
    proposed_at: datetime
    status: str  # pending | approved | sent
    total: int
    line_count: int
    lines_root: str | None  # None for a run paid before the two-person rule
    log_index: int | None
    policy_version: int | None
    approvals_required: int
    approvals: list[Approval]
    sent_at: datetime | None
    may_approve: list[str]  # while pending: the stewards who may approve it
    blocked: str | None  # while pending: why no one (or too few) may approve it


def people(session: Session, ids: Iterable[str]) -> dict[str, Person]:
    """Payees or approvers as the membership records them now: name, steward or not, who admitted them."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stewards = {account for account, roles in roles_by_account(session, wanted).items() if "steward" in roles}
    rows = session.execute(
        select(Account.id, Account.display_name, Member.status, Member.admitted_by, Member.admitted_at)
        .outerjoin(Member, Member.account_id == Account.id)
        .where(Account.id.in_(wanted))
    ).all()
    return {
        account: Person(account, name, account in stewards and status == "member", by, at)
        for account, name, status, by, at in rows
    }


def stewards(session: Session) -> list[Person]:
    ids = current_steward_ids(session)
    return sorted(people(session, ids).values(), key=lambda p: p.member_id)


def proposed_lines(session: Session, run_id: str) -> list[Line]:
    rows = session.execute(
        select(ProposedPayout.member_id, ProposedPayout.amount, ProposedPayout.currency)
        .where(ProposedPayout.run_id == run_id)
        .order_by(ProposedPayout.member_id)
    ).all()
    who = people(session, [member for member, _, _ in rows])
    return [Line(n, who[member], amount, currency) for n, (member, amount, currency) in enumerate(rows, 1)]


def policy_of(proposal: PayoutProposal) -> ApprovalPolicy:
    return ApprovalPolicy(proposal.policy_version, proposal.approvals_required, proposal.recent_admission_days)


class PayoutReading:
    """Read side of PayoutService (ledger.payouts), which sets the engine and the clock."""

    engine: Engine
    clock: Callable[[], datetime]

    def lines(self, run_id: str) -> list[PayoutLine]:
        """The run's lines in member id order (its proposal's order), each with its status."""
        with Session(self.engine) as session:
            run = session.get(PayoutRun, run_id)
            if run is None:
                raise NotFound(f"no payout run {run_id}")
            return _lines(session, [run])

    def member_lines(self, member_id: str) -> list[PayoutLine]:
        """Every payout line paying the member, newest run first: what their own page shows."""
        with Session(self.engine) as session:
            run_ids = set(session.scalars(select(ProposedPayout.run_id).where(ProposedPayout.member_id == member_id)))
            run_ids |= set(session.scalars(select(Payout.run_id).where(Payout.member_id == member_id)))
            runs = session.scalars(
                select(PayoutRun).where(PayoutRun.id.in_(sorted(run_ids))).order_by(PayoutRun.created_at.desc())
            ).all()
            return [line for line in _lines(session, list(runs)) if line.member_id == member_id]

    def runs(self) -> list[PayoutRun]:
        with Session(self.engine) as session:
            return list(session.scalars(select(PayoutRun).order_by(PayoutRun.created_at.desc())))

    def run_views(self) -> list[RunView]:
        return [self.run_view(run.id) for run in self.runs()]

    def run_view(self, run_id: str) -> RunView:
        with Session(self.engine) as session:
            run = session.get(PayoutRun, run_id)
            if run is None:
                raise NotFound(f"no payout run {run_id}")
            proposal = session.get(PayoutProposal, run_id)
            sent = session.get(PayoutSent, run_id)
            approvals = session.execute(
                select(PayoutApproval, Account.display_name)
                .join(Account, Account.id == PayoutApproval.approver_id)
                .where(PayoutApproval.run_id == run_id)
                .order_by(PayoutApproval.log_index)
            ).all()
            paid = proposal is None or len(approvals) >= proposal.approvals_required  # (an empty run posts nothing)
            lines = _lines(session, [run])
            status = "sent" if sent else "approved" if paid else "pending"
            may_approve: list[str] = []
            blocked = None
            if proposal is not None and status == "pending":
                done = {a.approver_id for a, _ in approvals}
                candidates = [s for s in stewards(session) if s.member_id not in done]
                may_approve, blocked = no_approver_reason(
                    candidates,
                    run.created_by,
                    proposed_lines(session, run_id),
                    _remaining(proposal, len(done)),
                    self.clock(),
                )
            return RunView(
                id=run.id,
                currency=run.currency,
                minimum=run.minimum,
                proposed_by=run.created_by,
                proposed_by_name=session.get_one(Account, run.created_by).display_name,
                proposed_at=run.created_at,
                status=status,
                total=proposal.total if proposal else sum(line.amount for line in lines),
                line_count=len(lines),
                lines_root=proposal.lines_root if proposal else None,
                log_index=proposal.log_index if proposal else None,
                policy_version=proposal.policy_version if proposal else None,
                approvals_required=proposal.approvals_required if proposal else 0,
                approvals=[Approval(a.approver_id, name, a.approved_at, a.log_index) for a, name in approvals],
                sent_at=sent.sent_at if sent else None,
                may_approve=may_approve,
                blocked=blocked,
            )

    def export_csv(self, run_id: str) -> str:
        """The payment file for the bank: one line per payout posted, amounts in minor units. A pending
        run has no payouts yet, so its file has only the header."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["payout_id", "member_id", "member_name", "amount_minor_units", "currency", "journal_tx"])
        for line in self.lines(run_id):
            if line.payout_id is None:
                continue
            cells = (line.payout_id, line.member_id, line.member_name, line.amount, line.currency, line.tx_id)
            writer.writerow([spreadsheet_safe(cell) for cell in cells])
        return out.getvalue()


def _remaining(proposal: PayoutProposal, approved: int) -> ApprovalPolicy:
    """The policy as it applies to the approvals still needed."""
    policy = policy_of(proposal)
    return ApprovalPolicy(policy.version, max(policy.approvals_required - approved, 1), policy.recent_admission_days)


def _lines(session: Session, runs: list[PayoutRun]) -> list[PayoutLine]:
    """The lines of the runs: a proposal's lines joined to what was posted of them; a run from before
    the rule, its payouts as posted."""
    out: list[PayoutLine] = []
    for run in runs:
        proposal = session.get(PayoutProposal, run.id)
        sent = session.get(PayoutSent, run.id) is not None
        posted = {
            p.member_id: (p, o)
            for p, o in session.execute(
                select(Payout, PayoutOutcome)
                .outerjoin(PayoutOutcome, PayoutOutcome.payout_id == Payout.id)
                .where(Payout.run_id == run.id)
                .order_by(Payout.id)
            ).all()
        }
        wanted: list[tuple[str, int, str]]
        if proposal is not None:
            wanted = [
                (member, amount, currency)
                for member, amount, currency in session.execute(
                    select(ProposedPayout.member_id, ProposedPayout.amount, ProposedPayout.currency)
                    .where(ProposedPayout.run_id == run.id)
                    .order_by(ProposedPayout.member_id)
                )
            ]
        else:
            wanted = [(p.member_id, p.amount, p.currency) for p, _ in posted.values()]
        names = dict(
            session.execute(
                select(Account.id, Account.display_name).where(Account.id.in_([w[0] for w in wanted]))
            ).all()
        )
        for member, amount, currency in wanted:
            payout, outcome = posted.get(member, (None, None))
            result = outcome.outcome if outcome is not None else None
            status = result or ("pending" if payout is None else "sent" if sent else "approved")
            out.append(
                PayoutLine(
                    payout.id if payout else None,
                    member,
                    names.get(member, member),
                    amount,
                    currency,
                    payout.tx_id if payout else None,
                    result,
                    status,
                    run.id,
                )
            )
    return out
