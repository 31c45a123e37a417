"""JSON API for agreement and adjudication (coop.work.agreement, coop.work.adjudication): a task's
Krippendorff's alpha, per criterion and per contributor (members see their own figure; reviewers and
stewards everyone's), and the adjudications reviewers who took no part decide."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from coop.rules.agreement import Alpha, CoderAgreement
from coop.work.adjudication import AdjudicationService, AdjudicationView
from coop.work.agreement import AgreementService, TaskAgreement
from web import auth
from web.auth import SignedIn


class DecideIn(msgspec.Struct):
    outcome: Literal["accepted", "rejected"]
    reason: str


def alpha_json(name: str, figure: Alpha) -> dict[str, Any]:
    return {
        "name": name,
        "alpha": figure.value,
        "reason": figure.reason,
        "units": figure.items,
        "values": figure.answers,
    }


def contributor_json(member: str, figure: CoderAgreement) -> dict[str, Any]:
    share = figure.share
    return {
        "member": member,
        "compared": figure.compared,
        "matched": figure.matched,
        "undecided": figure.undecided,
        "share": None if share is None else round(float(share), 4),
    }


def agreement_json(view: TaskAgreement) -> dict[str, Any]:
    measured = view.measured
    return {
        "task": measured.task_id,
        "title": view.task_title,
        "answer_kind": measured.answer_kind,
        "level": measured.level,
        "measured": measured.reason,
        "items": measured.items,
        "answers": measured.answers,
        "task_alpha": alpha_json("task", measured.task) if measured.task else None,
        "criteria": [alpha_json(name, figure) for name, figure in measured.criteria.items()],
        "contributors": [contributor_json(member, figure) for member, figure in view.contributors.items()],
        "adjudication": {"required": view.verdict.required, "reason": view.verdict.reason, "policy": view.policy},
    }


def adjudication_json(view: AdjudicationView) -> dict[str, Any]:
    return {
        **asdict(view),
        "opened_at": view.opened_at.isoformat(),
        "decided_at": view.decided_at.isoformat() if view.decided_at else None,
    }


class TaskAgreementApi(Controller):
    path = "/api/tasks/{task_id:str}/agreement"
    tags = ["agreement"]
    guards = [auth.member]

    @get("/", summary="Krippendorff's alpha of the task, per criterion and per contributor", sync_to_thread=True)
    def agreement(
        self, principal: SignedIn, agreement: NamedDependency[AgreementService], task_id: FromPath[str]
    ) -> dict[str, Any]:
        return agreement_json(agreement.for_task(principal, task_id))


class AdjudicationsApi(Controller):
    path = "/api/adjudications"
    tags = ["agreement"]
    guards = [auth.reviewer]

    @get("/", summary="Open adjudications I may decide", sync_to_thread=True)
    def open_adjudications(
        self,
        principal: SignedIn,
        adjudications: NamedDependency[AdjudicationService],
        status: FromQuery[Literal["open"]] = "open",
    ) -> list[dict[str, Any]]:
        return [adjudication_json(a) for a in adjudications.open_adjudications(principal)]

    @post("/{adjudication_id:str}/decide", summary="Accept or reject held work", sync_to_thread=True, status_code=200)
    def decide(
        self,
        principal: SignedIn,
        adjudications: NamedDependency[AdjudicationService],
        adjudication_id: FromPath[str],
        data: JSONBody[DecideIn],
    ) -> dict[str, Any]:
        return adjudication_json(adjudications.decide(principal, adjudication_id, data.outcome, data.reason))


AGREEMENT_API = [TaskAgreementApi, AdjudicationsApi]
