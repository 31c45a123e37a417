"""Whether a task above the pay ceiling may be worked: read, inside the caller's transaction, wherever
work is claimed, drafted, submitted or accepted (issue 16, "no one alone moves money").

The task row is never edited to say "approved" (task rows are history): the answer is computed each
time from the task's rate, the pay its work commits, the `pay-ceiling` policy in force and the
insert-only approvals of other stewards (coop.rules.pay_ceiling says how).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coop.kernel.errors import Conflict
from coop.rules import pay_ceiling
from coop.work.models import Acceptance, Contribution, Task
from coop.work.task_approval_models import TaskApproval
from governance.defaults import PAY_CEILING
from governance.models import PolicyVersion

POLICY = "pay-ceiling"
IN_REVIEW = ("submitted", "in-adjudication")  # submitted work whose pay is committed but not yet posted


@dataclass(frozen=True)
class Ceiling:
    body: dict[str, Any]
    version: int


@dataclass(frozen=True)
class TaskCeiling:
    """What a task's page and API say about its ceiling."""

    task_id: str
    title: str
    created_by: str
    pay_per_unit: int
    currency: str
    committed: int  # minor units: accepted base pay plus work in review at the task's rate
    ceiling: Ceiling
    holds: list[pay_ceiling.Hold]
    approvals: list[TaskApproval]

    @property
    def awaiting(self) -> bool:
        return bool(self.holds)


def ceiling_in(session: Session, at: datetime) -> Ceiling:
    """The `pay-ceiling` policy in force at `at`, read in the caller's session. A database whose
    `coop init` has not yet seeded the policy uses version 1's defaults (reported as version 0)."""
    row = session.scalar(
        select(PolicyVersion)
        .where(PolicyVersion.name == POLICY, PolicyVersion.effective_at <= at)
        .order_by(PolicyVersion.version.desc())
        .limit(1)
    )
    if row is None:
        return Ceiling(PAY_CEILING, 0)
    return Ceiling(json.loads(row.body), row.version)


def committed_pay(session: Session, task: Task, in_review: bool = True) -> int:
    """The task's pay already accepted, plus (`in_review`) its work in review at the task's rate now."""
    accepted = session.scalar(
        select(func.coalesce(func.sum(Acceptance.pay_per_unit * Contribution.units), 0))
        .join(Contribution, Contribution.id == Acceptance.contribution_id)
        .where(Contribution.task_id == task.id)
    )
    if not in_review:
        return int(accepted or 0)
    reviewing = session.scalar(
        select(func.coalesce(func.sum(Contribution.units), 0)).where(
            Contribution.task_id == task.id, Contribution.status.in_(IN_REVIEW)
        )
    )
    return int(accepted or 0) + int(reviewing or 0) * task.pay_per_unit


def approvals_of(session: Session, task_id: str) -> list[TaskApproval]:
    return list(
        session.scalars(select(TaskApproval).where(TaskApproval.task_id == task_id).order_by(TaskApproval.log_index))
    )


def drafted_pay(session: Session, task: Task) -> int:
    """The pay of the task's drafts at its rate now: what submitting them would commit."""
    units = session.scalar(
        select(func.coalesce(func.sum(Contribution.units), 0)).where(
            Contribution.task_id == task.id, Contribution.status == "draft"
        )
    )
    return int(units or 0) * task.pay_per_unit


def task_ceiling(
    session: Session,
    task: Task,
    now: datetime,
    adding: int = 0,
    with_drafts: bool = False,
    budget: bool = True,
    in_review: bool = True,
    gate: bool = False,
) -> TaskCeiling:
    """The task's standing against the ceiling, with `adding` minor units of pay about to be committed.
    `with_drafts`: its drafts counted as if submitted — what the stewards' view and an approval weigh,
    so a submission refused for the budget shows as awaiting approval before anyone signs again.
    `budget=False` judges the rate alone and reads no sums (claims, drafts and submissions: the budget
    is judged where pay is committed to the books, at acceptance). `in_review=False` counts accepted pay
    only (acceptance adds the one being accepted): submitted work is not summed on every step of a
    task with hundreds of thousands of answers. `gate`: only whether the task is held matters (the
    work paths), so the policy is read once per transaction and approvals only when something is held."""
    ceiling = _ceiling_once(session, now) if gate else ceiling_in(session, now)
    committed = 0
    if budget:
        committed = committed_pay(session, task, in_review) + (drafted_pay(session, task) if with_drafts else 0)

    def judged(approvals: list[TaskApproval]) -> list[pay_ceiling.Hold]:
        return pay_ceiling.holds(
            ceiling.body,
            ceiling.version,
            task.currency,
            task.pay_per_unit,
            committed + adding if budget else None,
            [pay_ceiling.Approved(a.pay_per_unit, a.budget_minor) for a in approvals],
        )

    approvals: list[TaskApproval] = []
    found = judged(approvals) if gate else []
    if found or not gate:
        approvals = approvals_of(session, task.id)
        found = judged(approvals)
    return TaskCeiling(
        task.id, task.title, task.created_by, task.pay_per_unit, task.currency, committed, ceiling, found, approvals
    )


def _ceiling_once(session: Session, at: datetime) -> Ceiling:
    """The policy in force, read once per transaction: a Submit & next step judges the same task
    three times (draft, submission, the next claim) within a fraction of a second."""
    cached: Ceiling | None = session.info.get(_CEILING_READ)
    if cached is None:
        cached = session.info[_CEILING_READ] = ceiling_in(session, at)
    return cached


_CEILING_READ = "coop.pay-ceiling-in-force"


def refuse_if_held(
    session: Session,
    task: Task,
    now: datetime,
    adding: int = 0,
    doing: str = "worked",
    budget: bool = True,
    in_review: bool = True,
) -> None:
    """Conflict (409) naming why, when the task may not be `doing` until a second steward approves it."""
    standing = task_ceiling(session, task, now, adding, budget=budget, in_review=in_review, gate=True)
    if standing.holds:
        raise Conflict(f"task '{task.title}' cannot be {doing} yet: " + "; ".join(h.reason for h in standing.holds))
