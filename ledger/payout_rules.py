"""Who may approve a payout run: the two-person rule as pure checks on plain data (docs/payouts.md).

No one alone moves money. A run is proposed by one steward and paid once `approvals_required`
other stewards approved it. A line is *guarded* when it pays a steward, or a member the proposer
admitted in the last `recent_admission_days` days (a member the proposer may have made up): a run
with a guarded line needs approvers who are not paid by any guarded line and were not themselves
admitted by the proposer in that window. Every refusal names the line that needs the other hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from coop.kernel.money import minor_digits
from provenance.core.commitment import list_root

POLICY = "payout-approvals"


@dataclass(frozen=True)
class ApprovalPolicy:
    """The `payout-approvals` policy version a run is judged by (fixed when it is proposed)."""

    version: int
    approvals_required: int
    recent_admission_days: int

    @property
    def ref(self) -> dict[str, Any]:
        return {"policy": POLICY, "version": self.version}


@dataclass(frozen=True)
class Person:
    """A payee or a would-be approver, as the membership records them now."""

    member_id: str
    name: str
    is_steward: bool
    admitted_by: str | None
    admitted_at: datetime | None


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, in the run's order (by member id), as the portal and the API list them
    payee: Person
    amount: int
    currency: str


def major_units(amount: int, currency: str) -> str:
    """12345, "EUR" → "123.45 EUR": amounts in messages are in major units, as on screen."""
    digits = minor_digits(currency)
    return f"{Decimal(amount).scaleb(-digits):.{digits}f} {currency}"


def lines_root(lines: Sequence[tuple[str, int]]) -> str:
    """The Merkle root the log commits a run's lines to: leaves {"member", "amount"} by member id."""
    return list_root([{"member": member, "amount": amount} for member, amount in sorted(lines)])


def admitted_recently_by(person: Person, proposer: str, now: datetime, days: int) -> bool:
    return (
        person.admitted_by == proposer
        and person.admitted_at is not None
        and person.admitted_at > now - timedelta(days=days)
    )


def guarded_because(line: Line, proposer: str, now: datetime, days: int) -> str | None:
    """Why the line needs an independent approver, or None."""
    if line.payee.is_steward:
        return "it pays a steward"
    if admitted_recently_by(line.payee, proposer, now, days):
        admitted = line.payee.admitted_at.date().isoformat() if line.payee.admitted_at else "?"
        return f"it pays a member the proposer admitted on {admitted}, within {days} days"
    return None


def describe(line: Line) -> str:
    return f"line {line.number} ({line.payee.name}, {major_units(line.amount, line.currency)})"


def refusal(
    approver: Person, proposer: str, lines: Sequence[Line], policy: ApprovalPolicy, now: datetime
) -> str | None:
    """Why `approver` may not approve this run, naming the line; None if they may."""
    if not approver.is_steward:
        return "only stewards approve payout runs"
    if approver.member_id == proposer:
        return "you proposed this run: another steward must approve it (no one alone moves money)"
    days = policy.recent_admission_days
    guarded = [(line, why) for line in lines if (why := guarded_because(line, proposer, now, days)) is not None]
    for line, why in guarded:
        if line.payee.member_id == approver.member_id:
            return f"{describe(line)} pays you and {why}: a steward it does not pay must approve it"
    if guarded and admitted_recently_by(approver, proposer, now, days):
        line, why = guarded[0]
        return (
            f"{describe(line)} {why}: its approver may not be a member the proposer admitted in the last "
            f"{days} days, and they admitted you"
        )
    return None


def no_approver_reason(
    stewards: Sequence[Person], proposer: str, lines: Sequence[Line], policy: ApprovalPolicy, now: datetime
) -> tuple[list[str], str | None]:
    """The stewards who may approve the run, and, when too few are left, why it cannot be paid."""
    allowed = [s.member_id for s in stewards if refusal(s, proposer, lines, policy, now) is None]
    if len(allowed) >= policy.approvals_required:
        return allowed, None
    days = policy.recent_admission_days
    guarded = [line for line in lines if guarded_because(line, proposer, now, days) is not None]
    first = f"; {describe(guarded[0])} {guarded_because(guarded[0], proposer, now, days)}" if guarded else ""
    return allowed, (
        f"no valid approver: the run needs {policy.approvals_required} steward(s) other than its proposer who are "
        f"not paid by a guarded line and were not admitted by the proposer in the last {days} days, "
        f"and {len(allowed)} qualify{first}"
    )
