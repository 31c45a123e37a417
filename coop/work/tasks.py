"""Tasks: opened by stewards at a rate the pay floor in force allows, flagged when the time the
accepted work took (measured by the server from claim to submission; the member's report only for
work without a measurement) says the rate is really below it, reopened when the rate is raised."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import NotAllowed, NotFound, Refused
from coop.kernel.money import ISO_4217, UnknownCurrency
from coop.kernel.principal import Principal
from coop.membership.models import BuyerOrg
from coop.rules import consent, pay_floor
from coop.rules.review import TASK_KINDS
from coop.work.claim_models import ContributionAnswer
from coop.work.models import Acceptance, Contribution, Task
from governance.policies import PolicyService
from provenance.service import ProvenanceLog


@dataclass(frozen=True)
class TaskSpec:
    project: str
    title: str
    instructions: str
    kind: str
    unit: str
    minutes_per_unit: int
    pay_per_unit: int
    currency: str
    intended_uses: Sequence[str]
    reviews_required: int | None = None
    buyer_org: str | None = None  # organisation name, when the task is on a buyer's behalf


@dataclass(frozen=True)
class TaskView:
    id: str
    project: str
    buyer_org: str | None
    title: str
    instructions: str
    kind: str
    rubric: str
    rubric_version: int
    unit: str
    minutes_per_unit: int
    pay_per_unit: int
    currency: str
    hourly_rate: int
    reviews_required: int
    intended_uses: list[str]
    pay_floor_version: int
    status: str
    flag_reason: str | None
    created_at: datetime
    log_index: int


class TaskService:
    def __init__(
        self, engine: Engine, log: ProvenanceLog, policies: PolicyService, clock: Callable[[], datetime] = utcnow
    ):
        self.engine = engine
        self.log = log
        self.policies = policies
        self.clock = clock

    def open(self, steward: Principal, spec: TaskSpec) -> TaskView:
        if not steward.is_steward:
            raise NotAllowed("only stewards open tasks")
        _check_spec(spec)
        now = self.clock()
        floor = self.policies.in_force("pay-floor", now)
        rubric = self.policies.in_force(f"rubric.{spec.kind}", now)
        try:
            pay_floor.check_pay_floor(
                spec.pay_per_unit, spec.minutes_per_unit, spec.currency, floor.body, floor.version
            )
        except Refused as error:
            raise Refused(str(error)) from error
        reviews = spec.reviews_required or int(rubric.body["acceptance"]["reviews_required"])
        with write_session(self.engine) as session, session.begin():
            org_id = None
            if spec.buyer_org:
                org = session.scalar(select(BuyerOrg).where(BuyerOrg.name == spec.buyer_org))
                if org is None:
                    raise NotFound(f"no buyer organisation named {spec.buyer_org!r}")
                org_id = org.id
            task_id = uuid.uuid4().hex
            body = {
                "task": task_id,
                "kind": spec.kind,
                "rubric": rubric.ref,
                "pay_floor": floor.ref,
                "pay_per_unit": spec.pay_per_unit,
                "currency": spec.currency,
                "minutes_per_unit": spec.minutes_per_unit,
                "unit": spec.unit.strip(),
                "intended_uses": list(spec.intended_uses),
                "opened_by": steward.account_id,
                "time": now.isoformat(),
            }
            index = self._log(session, "task.opened", body)
            task = Task(
                id=task_id,
                project=spec.project.strip(),
                buyer_org_id=org_id,
                title=spec.title.strip(),
                instructions=spec.instructions.strip(),
                kind=spec.kind,
                rubric_version=rubric.version,
                unit=spec.unit.strip(),
                minutes_per_unit=spec.minutes_per_unit,
                pay_per_unit=spec.pay_per_unit,
                currency=spec.currency,
                reviews_required=reviews,
                intended_uses=json.dumps(list(spec.intended_uses)),
                pay_floor_version=floor.version,
                status="open",
                created_by=steward.account_id,
                created_at=now,
                log_index=index,
            )
            session.add(task)
            session.flush()
            return self._view(session, task)

    def raise_rate(self, steward: Principal, task_id: str, pay_per_unit: int) -> TaskView:
        """A higher rate (logged); a flagged task reopens if the accepted work's time now clears the floor."""
        if not steward.is_steward:
            raise NotAllowed("only stewards change task rates")
        with write_session(self.engine) as session, session.begin():
            task = _task(session, task_id)
            if pay_per_unit <= task.pay_per_unit:
                raise Refused(f"the new rate must be higher than the current {task.pay_per_unit}")
            floor = self.policies.in_force("pay-floor", self.clock())
            try:
                pay_floor.check_pay_floor(pay_per_unit, task.minutes_per_unit, task.currency, floor.body, floor.version)
            except Refused as error:
                raise Refused(str(error)) from error
            self._log(
                session,
                "task.rate-raised",
                {
                    "task": task_id,
                    "pay_per_unit": pay_per_unit,
                    "pay_floor": floor.ref,
                    "by": steward.account_id,
                    "time": self.clock().isoformat(),
                },
            )
            task.pay_per_unit = pay_per_unit
            task.pay_floor_version = floor.version
            task.status, task.flag_reason = "open", None
            self._check_flag(session, task)
            return self._view(session, task)

    def check_flag(self, task_id: str) -> None:
        """Re-run the median-time check (after each acceptance)."""
        with write_session(self.engine) as session, session.begin():
            self._check_flag(session, _task(session, task_id))

    def _check_flag(self, session: Session, task: Task) -> None:
        """Flag an open task whose accepted work, timed by the server where it answers an item (the
        member's own report only where there is no measurement), earns below the floor in force."""
        floor = self.policies.in_force("pay-floor", self.clock())
        samples = [
            pay_floor.TimeSample(units, minutes, measured)
            for units, minutes, measured in session.execute(
                select(Contribution.units, Contribution.minutes, ContributionAnswer.measured_seconds)
                .join(Acceptance, Acceptance.contribution_id == Contribution.id)
                .outerjoin(ContributionAnswer, ContributionAnswer.contribution_id == Contribution.id)
                .where(Contribution.task_id == task.id)
            )
        ]
        hourly_floor = int(floor.body["hourly_minimum"].get(task.currency, 0))
        reading = pay_floor.time_floor_breached(
            task.pay_per_unit, samples, hourly_floor, int(floor.body["flag_after_accepted"])
        )
        if reading is not None and task.status == "open":
            task.status = "flagged"
            task.flag_reason = (
                f"median {reading.source} time {pay_floor.describe_seconds(reading.median_seconds)} "
                f"({reading.median_seconds} s) per {task.unit} over {reading.samples} accepted means "
                f"⌊{task.pay_per_unit} × 3600 / {reading.median_seconds}⌋ = {reading.hourly_rate} per hour, "
                f"below the floor of {hourly_floor} {task.currency} per hour (pay-floor v{floor.version}); "
                "raise the rate to reopen"
            )
            self._log(
                session,
                "task.flagged",
                {
                    "task": task.id,
                    "hourly_rate": reading.hourly_rate,
                    "pay_floor": floor.ref,
                    "time": self.clock().isoformat(),
                },
            )

    def get(self, task_id: str) -> TaskView:
        with Session(self.engine) as session:
            return self._view(session, _task(session, task_id))

    def list(self, status: str | None = None) -> list[TaskView]:
        with Session(self.engine) as session:
            query = select(Task).order_by(Task.created_at.desc())
            if status:
                query = query.where(Task.status == status)
            return [self._view(session, t) for t in session.scalars(query)]

    def _log(self, session: Session, kind: str, body: dict[str, Any]) -> int:
        return self.log.append_coop_statement(session.connection(), kind, body)

    @staticmethod
    def _view(session: Session, task: Task) -> TaskView:
        org = session.get(BuyerOrg, task.buyer_org_id) if task.buyer_org_id else None
        return TaskView(
            task.id,
            task.project,
            org.name if org else None,
            task.title,
            task.instructions,
            task.kind,
            f"rubric.{task.kind}",
            task.rubric_version,
            task.unit,
            task.minutes_per_unit,
            task.pay_per_unit,
            task.currency,
            pay_floor.hourly_rate(task.pay_per_unit, task.minutes_per_unit),
            task.reviews_required,
            json.loads(task.intended_uses),
            task.pay_floor_version,
            task.status,
            task.flag_reason,
            task.created_at,
            task.log_index,
        )


def _task(session: Session, task_id: str) -> Task:
    task = session.get(Task, task_id, with_for_update=True)
    if task is None:
        raise NotFound(f"no task {task_id}")
    return task


def _check_spec(spec: TaskSpec) -> None:
    problems = []
    if spec.kind not in TASK_KINDS:
        problems.append(f"kind must be one of {', '.join(TASK_KINDS)}")
    if not spec.title.strip() or not spec.project.strip() or not spec.unit.strip():
        problems.append("project, title and unit are required")
    if len(spec.title) > 200 or len(spec.project) > 200:
        problems.append("project and title are at most 200 characters")
    if len(spec.unit.strip()) > 40:
        problems.append("the unit is a short name (at most 40 characters), like 'answer'")
    if spec.minutes_per_unit <= 0 or spec.pay_per_unit <= 0:
        problems.append("minutes and pay per unit must be positive whole numbers")
    if spec.currency not in ISO_4217:
        problems.append(str(UnknownCurrency.about(spec.currency)))
    bad_uses = [u for u in spec.intended_uses if u not in consent.USES]
    if bad_uses or not spec.intended_uses:
        problems.append(f"intended uses must be some of {', '.join(consent.USES)}")
    if spec.reviews_required is not None and not 1 <= spec.reviews_required <= 5:
        problems.append("reviews required must be 1 to 5")
    if problems:
        raise Refused("; ".join(problems))
