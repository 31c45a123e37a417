"""What a member's work on each task earned per hour of time the server measured (issue 14, part 3).

The member's own page shows, per task they worked on: the items accepted, the time the server
measured on them (claim → submission, `ContributionAnswer.measured_seconds`), what the books paid
for them (base pay and any reversal posted to the member's payable, `ref = contribution:<id>`), and
⌊earned × 3600 / measured seconds⌋ beside the task's floor in force — the same reading of time the
pay-floor check uses (coop.rules.pay_floor). Only work with a measurement enters the rate: accepted
work without one (free-text tasks) is counted and paid but its time is the member's own report,
shown as a note, never as the figure. Read-only: three grouped queries, whatever the member's volume.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, case, func, literal, select
from sqlalchemy.orm import Session

from coop.kernel.principal import Principal
from coop.rules.pay_floor import rate_per_hour
from coop.work.claim_models import ContributionAnswer
from coop.work.models import Acceptance, Contribution, Task
from governance.policies import NoPolicy, PolicyService
from ledger.books import member_payable
from ledger.models import JournalTx, Posting


@dataclass(frozen=True)
class TaskPay:
    """One task's line on the member's page. Money in the task's currency, integer minor units."""

    task_id: str
    title: str
    unit: str
    currency: str
    status: str
    submitted: int  # contributions submitted (any outcome, not drafts)
    accepted: int
    measured_items: int  # accepted contributions with a server-measured time
    measured_seconds: int  # their measured time, summed
    earned: int  # base pay from the books for every accepted contribution (reversals netted)
    earned_measured: int  # the part of `earned` paid for the measured contributions
    hourly_rate: int | None  # ⌊earned_measured × 3600 / measured_seconds⌋; None without measured work
    floor: int | None  # the floor in force for the task's currency (minor units per hour)
    floor_version: int | None
    reported_minutes: int  # the member's own reports on the accepted work: a note, not the figure

    @property
    def below_floor(self) -> bool:
        return self.hourly_rate is not None and self.floor is not None and self.hourly_rate < self.floor

    @property
    def unmeasured(self) -> int:
        """Accepted contributions without a measured time (free-text work): not in the rate."""
        return self.accepted - self.measured_items

    def as_json(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "title": self.title,
            "unit": self.unit,
            "currency": self.currency,
            "status": self.status,
            "submitted": self.submitted,
            "accepted": self.accepted,
            "measured_items": self.measured_items,
            "measured_seconds": self.measured_seconds,
            "earned": self.earned,
            "earned_measured": self.earned_measured,
            "hourly_rate": self.hourly_rate,
            "hourly_rate_source": "measured" if self.hourly_rate is not None else None,
            "arithmetic": self.arithmetic,
            "floor": self.floor,
            "floor_version": self.floor_version,
            "below_floor": self.below_floor,
            "unmeasured_accepted": self.unmeasured,
            "reported_minutes_note": self.reported_minutes,
        }

    @property
    def arithmetic(self) -> str | None:
        """The rate as a member redoes it, in minor units: ⌊earned × 3600 / seconds⌋ = rate."""
        if self.hourly_rate is None:
            return None
        return f"⌊{self.earned_measured} × 3600 / {self.measured_seconds}⌋ = {self.hourly_rate}"


class MemberPayService:
    def __init__(self, engine: Engine, policies: PolicyService):
        self.engine = engine
        self.policies = policies

    def by_task(self, member: Principal) -> list[TaskPay]:
        """The member's own lines, one per task they submitted work to, newest task first."""
        me = member.account_id
        measured = case((ContributionAnswer.contribution_id.is_(None), 0), else_=1)
        with Session(self.engine) as session:
            submitted = dict(
                session.execute(
                    select(Contribution.task_id, func.count())
                    .where(Contribution.author_id == me, Contribution.status != "draft")
                    .group_by(Contribution.task_id)
                ).all()
            )
            if not submitted:
                return []
            work: dict[str, dict[int, tuple[int, int, int]]] = defaultdict(dict)
            for task_id, flag, count, seconds, minutes in session.execute(
                select(
                    Contribution.task_id,
                    measured,
                    func.count(),
                    func.coalesce(func.sum(ContributionAnswer.measured_seconds), 0),
                    func.coalesce(func.sum(Contribution.minutes), 0),
                )
                .join(Acceptance, Acceptance.contribution_id == Contribution.id)
                .outerjoin(ContributionAnswer, ContributionAnswer.contribution_id == Contribution.id)
                .where(Contribution.author_id == me)
                .group_by(Contribution.task_id, measured)
            ):
                work[task_id][int(flag)] = (int(count), int(seconds), int(minutes))
            paid: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
            for task_id, flag, amount in session.execute(
                select(Contribution.task_id, measured, func.sum(Posting.amount))
                .select_from(Posting)
                .join(JournalTx, JournalTx.id == Posting.tx_id)
                .join(Contribution, JournalTx.ref == literal("contribution:") + Contribution.id)
                .outerjoin(ContributionAnswer, ContributionAnswer.contribution_id == Contribution.id)
                .join(Task, Task.id == Contribution.task_id)
                .where(
                    Posting.account_code == member_payable(me),
                    Contribution.author_id == me,
                    Posting.currency == Task.currency,
                )
                .group_by(Contribution.task_id, measured)
            ):
                paid[task_id][int(flag)] += -int(amount)  # a credit to the payable is money to the member
            tasks = session.scalars(select(Task).where(Task.id.in_(list(submitted)))).all()
            floors = self._floors()
            lines = [self._line(t, int(submitted[t.id]), work[t.id], paid[t.id], floors) for t in tasks]
            order = {t.id: (t.created_at, t.id) for t in tasks}
        return sorted(lines, key=lambda line: order[line.task_id], reverse=True)

    def measured_seconds(self, contribution_id: str) -> int | None:
        """The seconds the server measured on the item a contribution answers; None when it answers
        none. Callers show it only after the contribution service let the reader see the contribution."""
        with Session(self.engine) as session:
            return session.scalar(
                select(ContributionAnswer.measured_seconds).where(ContributionAnswer.contribution_id == contribution_id)
            )

    def _floors(self) -> tuple[dict[str, int], int | None]:
        try:
            policy = self.policies.in_force("pay-floor")
        except NoPolicy:
            return {}, None
        return {c: int(a) for c, a in policy.body["hourly_minimum"].items()}, policy.version

    @staticmethod
    def _line(
        task: Task,
        submitted: int,
        work: dict[int, tuple[int, int, int]],
        paid: dict[int, int],
        floors: tuple[dict[str, int], int | None],
    ) -> TaskPay:
        measured_items, seconds, measured_minutes = work.get(1, (0, 0, 0))
        unmeasured, _, unmeasured_minutes = work.get(0, (0, 0, 0))
        seconds = max(1, seconds) if measured_items else 0  # a zero-second total would be an infinite rate
        floor = floors[0].get(task.currency)
        return TaskPay(
            task_id=task.id,
            title=task.title,
            unit=task.unit,
            currency=task.currency,
            status=task.status,
            submitted=submitted,
            accepted=measured_items + unmeasured,
            measured_items=measured_items,
            measured_seconds=seconds,
            earned=paid.get(0, 0) + paid.get(1, 0),
            earned_measured=paid.get(1, 0),
            hourly_rate=rate_per_hour(paid.get(1, 0), seconds) if measured_items else None,
            floor=floor,
            floor_version=floors[1] if floor is not None else None,
            reported_minutes=measured_minutes + unmeasured_minutes,
        )
