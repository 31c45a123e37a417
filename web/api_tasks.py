"""JSON API for tasks, and the policy history their pay floors and rubrics come from: the same
services the portal calls."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from coop.work.task_approvals import TaskApprovals
from coop.work.tasks import TaskService, TaskSpec, TaskView
from governance.policies import PolicyService
from web import auth
from web.api_second_hand import ceiling_json
from web.auth import SignedIn
from web.inputs import Amount, Small


class TaskIn(msgspec.Struct):
    project: str
    title: str
    instructions: str
    kind: str
    unit: str
    minutes_per_unit: Small
    pay_per_unit: Amount
    currency: str
    intended_uses: list[str]
    reviews_required: Small | None = None
    buyer_org: str | None = None


class RateIn(msgspec.Struct):
    pay_per_unit: Amount


def task_json(task: TaskView) -> dict[str, Any]:
    data = asdict(task)
    data["created_at"] = task.created_at.isoformat()
    return data


class TasksApi(Controller):
    path = "/api/tasks"
    tags = ["tasks"]

    @get("/", guards=[auth.member], summary="Tasks (open ones, or by status)", sync_to_thread=True)
    def list_tasks(
        self, tasks: NamedDependency[TaskService], status: FromQuery[str | None] = None
    ) -> list[dict[str, Any]]:
        return [task_json(t) for t in tasks.list(status or None)]

    @post(
        "/",
        guards=[auth.steward],
        summary="Open a task (refused below the pay floor; above the pay ceiling it awaits a second steward)",
        sync_to_thread=True,
    )
    def open_task(
        self,
        principal: SignedIn,
        tasks: NamedDependency[TaskService],
        task_approvals: NamedDependency[TaskApprovals],
        data: JSONBody[TaskIn],
    ) -> dict[str, Any]:
        task = tasks.open(principal, TaskSpec(**msgspec.structs.asdict(data)))
        return {**task_json(task), "approval": ceiling_json(task_approvals.standing(task.id))}

    @get("/{task_id:str}", guards=[auth.member], sync_to_thread=True)
    def get_task(
        self,
        tasks: NamedDependency[TaskService],
        task_approvals: NamedDependency[TaskApprovals],
        task_id: FromPath[str],
    ) -> dict[str, Any]:
        return {**task_json(tasks.get(task_id)), "approval": ceiling_json(task_approvals.standing(task_id))}

    @post(
        "/{task_id:str}/rate",
        guards=[auth.steward],
        summary="Raise a task's rate",
        sync_to_thread=True,
        status_code=200,
    )
    def raise_rate(
        self, principal: SignedIn, tasks: NamedDependency[TaskService], task_id: FromPath[str], data: JSONBody[RateIn]
    ) -> dict[str, Any]:
        return task_json(tasks.raise_rate(principal, task_id, data.pay_per_unit))


class PoliciesApi(Controller):
    path = "/api/policies"
    tags = ["policies"]

    @get("/", summary="Every version of every policy, and how it was adopted (public)", sync_to_thread=True)
    def policies(
        self, policies: NamedDependency[PolicyService], name: FromQuery[str | None] = None
    ) -> list[dict[str, Any]]:
        return [{**asdict(p), "effective_at": p.effective_at.isoformat()} for p in policies.history(name)]
