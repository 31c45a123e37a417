"""A second steward's approval of a task above the pay ceiling (issue 16, "no one alone moves money").

A task whose pay per unit, or whose committed total, is above what the `pay-ceiling` policy lets one
steward set alone is opened, but no one can claim, submit to or be paid from it until a steward other
than the one who opened it signs a `task.approval` statement: {task, approver, pay_per_unit,
currency, budget_minor, time}. It is logged and kept whole in the insert-only `task_approval` table;
the gate (coop.work.ceiling_gate) reads it wherever work is claimed, submitted or accepted.

The same approval again (same approver, rate and budget) changes nothing and answers the first one.
The steward who opened the task is refused: that is the whole point.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.membership.keys import KeyService
from coop.membership.steward_signing import checked_steward_statement, sign_with_password, statement_time
from coop.rules import pay_ceiling
from coop.work.ceiling_gate import TaskCeiling, task_ceiling
from coop.work.models import Task
from coop.work.task_approval_models import TaskApproval
from provenance.core.canonical import canonical_json
from provenance.core.signing import SignedStatement
from provenance.service import ProvenanceLog

KIND = "task.approval"
CREATOR_REFUSED = (
    "you opened this task: a steward cannot approve their own task above the pay ceiling; another steward must"
)


@dataclass(frozen=True)
class ApprovalView:
    id: str
    task_id: str
    approver_id: str
    pay_per_unit: int
    currency: str
    budget_minor: int
    ceiling_version: int
    approved_at: datetime
    log_index: int


def approval_view(row: TaskApproval) -> ApprovalView:
    return ApprovalView(
        row.id,
        row.task_id,
        row.approver_id,
        row.pay_per_unit,
        row.currency,
        row.budget_minor,
        row.ceiling_version,
        row.approved_at,
        row.log_index,
    )


class TaskApprovals:
    def __init__(self, engine: Engine, log: ProvenanceLog, keys: KeyService, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.log = log
        self.keys = keys
        self.clock = clock

    def standing(self, task_id: str) -> TaskCeiling:
        """Whether the task awaits a second steward, and why; the approvals it has."""
        with Session(self.engine) as session:
            return task_ceiling(session, _task(session, task_id), self.clock(), with_drafts=True)

    def approval_body(self, approver: Principal, task_id: str, budget_minor: int | None = None) -> dict[str, Any]:
        """The exact body a steward signs to approve the task as it stands now."""
        _check_budget(budget_minor)
        with Session(self.engine) as session:
            task = _task(session, task_id)
            standing = task_ceiling(session, task, self.clock(), with_drafts=True)
        budget = budget_minor
        if budget is None:
            budget = pay_ceiling.default_budget(standing.ceiling.body, task.currency, standing.committed)
        return {
            "task": task.id,
            "approver": approver.account_id,
            "pay_per_unit": task.pay_per_unit,
            "currency": task.currency,
            "budget_minor": budget,
            "time": statement_time(self.clock()),
        }

    def approve_with_password(
        self, approver: Principal, task_id: str, password: str, budget_minor: int | None = None
    ) -> ApprovalView:
        _check_budget(budget_minor)
        if self.standing(task_id).created_by == approver.account_id:  # said before any key is opened
            raise NotAllowed(CREATOR_REFUSED)
        body = self.approval_body(approver, task_id, budget_minor)
        return self.approve(approver, task_id, sign_with_password(self.keys, approver, password, KIND, body))

    def approve(self, approver: Principal, task_id: str, statement: SignedStatement) -> ApprovalView:
        """Check and log a signed approval; the same approval twice answers the first."""
        now = self.clock()
        body, key = checked_steward_statement(self.keys, approver, statement, KIND, "approver", now)
        with write_session(self.engine) as session, session.begin():
            task = _task(session, task_id, lock=True)  # approvals of one task take turns
            if body["task"] != task_id:
                raise Refused(f"the statement approves task {body['task']}, not {task_id}")
            if task.created_by == approver.account_id:
                raise NotAllowed(CREATOR_REFUSED)
            if body["pay_per_unit"] != task.pay_per_unit or body["currency"] != task.currency:
                raise Conflict(
                    f"the statement approves {body['pay_per_unit']} {body['currency']} per unit; the task pays "
                    f"{task.pay_per_unit} {task.currency} now: sign the current rate"
                )
            same = session.scalar(
                select(TaskApproval).where(
                    TaskApproval.task_id == task_id,
                    TaskApproval.approver_id == approver.account_id,
                    TaskApproval.pay_per_unit == body["pay_per_unit"],
                    TaskApproval.budget_minor == body["budget_minor"],
                )
            )
            if same is not None:
                return approval_view(same)  # the same approval again: nothing new
            standing = task_ceiling(session, task, now, with_drafts=True)
            if not standing.awaiting:
                raise Conflict("this task is within the pay ceiling and its approvals: there is nothing to approve")
            if body["budget_minor"] < standing.committed:
                raise Refused(
                    f"a budget of {body['budget_minor']} is below the {standing.committed} {task.currency} minor units "
                    "the task already commits: it would approve nothing"
                )
            index = self.log.append_in_transaction(session.connection(), [statement])[0]
            if self.keys.ended(session, key.key_id):  # read after the log's head lock, as for ballots
                raise Conflict(f"key {key.key_id} was revoked or rotated as this was signed; sign it again")
            row = TaskApproval(
                id=uuid.uuid4().hex,
                task_id=task_id,
                approver_id=approver.account_id,
                pay_per_unit=body["pay_per_unit"],
                currency=body["currency"],
                budget_minor=body["budget_minor"],
                ceiling_version=standing.ceiling.version,
                statement=canonical_json(body).decode(),
                public_key=statement.public_key,
                signature=statement.signature,
                approved_at=now,
                log_index=index,
            )
            session.add(row)
            session.flush()
            return approval_view(row)

    def awaiting(self) -> list[TaskCeiling]:
        """Every open task awaiting a second steward, oldest first: the stewards' to-do list."""
        with Session(self.engine) as session:
            tasks = session.scalars(select(Task).where(Task.status == "open").order_by(Task.created_at))
            now = self.clock()
            return [s for s in (task_ceiling(session, t, now, with_drafts=True) for t in tasks) if s.awaiting]


def _task(session: Session, task_id: str, lock: bool = False) -> Task:
    task = session.get(Task, task_id, with_for_update=lock)
    if task is None:
        raise NotFound(f"no task {task_id}")
    return task


def _check_budget(budget_minor: int | None) -> None:
    if budget_minor is None:
        return
    if not isinstance(budget_minor, int) or isinstance(budget_minor, bool) or not 1 <= budget_minor <= 2**53:
        raise Refused("the budget is a positive whole number of minor units")
