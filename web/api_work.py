"""JSON API for tasks, contributions, reviews and policies: the same services the portal calls."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from coop.kernel.errors import Refused, NotFound
from web.runtime import Runtime
from coop.work.contributions import ContributionView
from coop.work.tasks import TaskSpec, TaskView
from provenance.core.signing import b64, unb64
from web import auth
from web.api_members import Req, StatementIn
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


class ContributionIn(msgspec.Struct):
    task_id: str
    minutes: Small
    terms: dict[str, Any]
    text: str | None = None
    json_content: Any = None
    file_base64: str | None = None
    media_type: str = "text/plain"
    units: Small = 1

    def content(self) -> tuple[bytes, str]:
        given = [x is not None for x in (self.text, self.json_content, self.file_base64)]
        if sum(given) != 1:
            raise Refused("send exactly one of text, json_content or file_base64")
        if self.text is not None:
            return self.text.encode("utf-8"), self.media_type if self.media_type != "application/json" else "text/plain"
        if self.json_content is not None:
            return json.dumps(self.json_content, ensure_ascii=False).encode("utf-8"), "application/json"
        try:
            return base64.b64decode(self.file_base64 or "", validate=True), self.media_type
        except ValueError as error:
            raise Refused("file_base64 is not valid base64") from error


class SubmitIn(msgspec.Struct):
    password: str | None = None
    statement: StatementIn | None = None


class ReviewIn(msgspec.Struct):
    scores: dict[str, Small]
    feedback: str = ""


class AssignIn(msgspec.Struct):
    reviewer_id: str


class ConflictIn(msgspec.Struct):
    author_id: str


def task_json(task: TaskView) -> dict[str, Any]:
    data = asdict(task)
    data["created_at"] = task.created_at.isoformat()
    return data


def contribution_json(c: ContributionView) -> dict[str, Any]:
    data = asdict(c)
    data["created_at"] = c.created_at.isoformat()
    data["submitted_at"] = c.submitted_at.isoformat() if c.submitted_at else None
    return data


class TasksApi(Controller):
    path = "/api/tasks"
    tags = ["tasks"]

    @get("/", guards=[auth.member], summary="Tasks (open ones, or by status)", sync_to_thread=True)
    def list_tasks(self, runtime: NamedDependency[Runtime], status: FromQuery[str | None] = None) -> list[dict[str, Any]]:
        return [task_json(t) for t in runtime.tasks.list(status or None)]

    @post("/", guards=[auth.steward], summary="Open a task (refused below the pay floor)", sync_to_thread=True)
    def open_task(self, request: Req, runtime: NamedDependency[Runtime], data: JSONBody[TaskIn]) -> dict[str, Any]:
        return task_json(runtime.tasks.open(request.user, TaskSpec(**msgspec.structs.asdict(data))))  # type: ignore[arg-type]

    @get("/{task_id:str}", guards=[auth.member], sync_to_thread=True)
    def get_task(self, runtime: NamedDependency[Runtime], task_id: FromPath[str]) -> dict[str, Any]:
        return task_json(runtime.tasks.get(task_id))

    @post("/{task_id:str}/rate", guards=[auth.steward], summary="Raise a task's rate", sync_to_thread=True, status_code=200)
    def raise_rate(self, request: Req, runtime: NamedDependency[Runtime], task_id: FromPath[str], data: JSONBody[RateIn]) -> dict[str, Any]:
        return task_json(runtime.tasks.raise_rate(request.user, task_id, data.pay_per_unit))  # type: ignore[arg-type]


class ContributionsApi(Controller):
    path = "/api/contributions"
    tags = ["contributions"]
    guards = [auth.member]

    @get("/", summary="My contributions", sync_to_thread=True)
    def mine(self, request: Req, runtime: NamedDependency[Runtime]) -> list[dict[str, Any]]:
        return [contribution_json(c) for c in runtime.contributions.mine(request.user)]  # type: ignore[arg-type]

    @post("/", summary="Create a draft", sync_to_thread=True)
    def draft(self, request: Req, runtime: NamedDependency[Runtime], data: JSONBody[ContributionIn]) -> dict[str, Any]:
        content, media_type = data.content()
        return contribution_json(runtime.contributions.draft(request.user, data.task_id, content, media_type, data.minutes, data.terms, data.units))  # type: ignore[arg-type]

    @put("/{contribution_id:str}", summary="Edit a draft", sync_to_thread=True)
    def edit(self, request: Req, runtime: NamedDependency[Runtime], contribution_id: FromPath[str], data: JSONBody[ContributionIn]) -> dict[str, Any]:
        content, media_type = data.content()
        return contribution_json(runtime.contributions.edit_draft(request.user, contribution_id, content, media_type, data.minutes, data.terms, data.units))  # type: ignore[arg-type]

    @get("/{contribution_id:str}", sync_to_thread=True)
    def get_one(self, request: Req, runtime: NamedDependency[Runtime], contribution_id: FromPath[str]) -> dict[str, Any]:
        return contribution_json(runtime.contributions.get(request.user, contribution_id))  # type: ignore[arg-type]

    @get("/{contribution_id:str}/content", sync_to_thread=True)
    def content(self, request: Req, runtime: NamedDependency[Runtime], contribution_id: FromPath[str]) -> Response[bytes]:
        data, media_type = runtime.contributions.content(request.user, contribution_id)  # type: ignore[arg-type]
        return Response(data, media_type=media_type, headers={"Content-Disposition": "attachment"})

    @get("/{contribution_id:str}/statement", summary="The statement body to sign with my own key", sync_to_thread=True)
    def statement(self, request: Req, runtime: NamedDependency[Runtime], contribution_id: FromPath[str], key: FromQuery[str]) -> dict[str, Any]:
        body = runtime.contributions.statement_body(request.user, contribution_id, unb64(key, "key"))  # type: ignore[arg-type]
        return {"kind": "contribution", "body": body}

    @post("/{contribution_id:str}/submit", summary="Submit: {password} for a custodial key, or {statement} signed by my own", sync_to_thread=True, status_code=200)
    def submit(self, request: Req, runtime: NamedDependency[Runtime], contribution_id: FromPath[str], data: JSONBody[SubmitIn]) -> dict[str, Any]:
        if data.statement is not None:
            view = runtime.contributions.submit_signed(request.user, contribution_id, data.statement.signed())  # type: ignore[arg-type]
        elif data.password is not None:
            view = runtime.contributions.submit_with_password(request.user, contribution_id, data.password)  # type: ignore[arg-type]
        else:
            raise Refused("send {password} (custodial key) or {statement} (your own key)")
        return contribution_json(view)

    @post("/{contribution_id:str}/revise", summary="Start a revision (a new draft linked to this one)", sync_to_thread=True)
    def revise(self, request: Req, runtime: NamedDependency[Runtime], contribution_id: FromPath[str]) -> dict[str, Any]:
        return contribution_json(runtime.contributions.revise(request.user, contribution_id))  # type: ignore[arg-type]

    @get("/{contribution_id:str}/receipt", summary="Log entry, checkpoint and inclusion proof of an accepted contribution", sync_to_thread=True)
    def receipt(self, request: Req, runtime: NamedDependency[Runtime], contribution_id: FromPath[str]) -> dict[str, Any]:
        receipt = runtime.contributions.receipt(request.user, contribution_id)  # type: ignore[arg-type]
        return {
            "index": receipt.index, "leaf_hash": b64(receipt.leaf_hash), "tree_size": receipt.checkpoint.size,
            "checkpoint": receipt.checkpoint.note, "hashes": [b64(h) for h in receipt.proof], "verifier_key": runtime.log.verifier_key,
        }

    @post("/{contribution_id:str}/revoke-consent", summary="Revoke consent for future licenses", sync_to_thread=True, status_code=200)
    def revoke(self, request: Req, runtime: NamedDependency[Runtime], contribution_id: FromPath[str], data: JSONBody[SubmitIn]) -> dict[str, Any]:
        if data.statement is not None:
            index = runtime.contributions.revoke_consent(request.user, contribution_id, data.statement.signed())  # type: ignore[arg-type]
        elif data.password is not None:
            index = runtime.contributions.revoke_consent_with_password(request.user, contribution_id, data.password)  # type: ignore[arg-type]
        else:
            raise Refused("send {password} (custodial key) or {statement} (your own key)")
        return {"log_index": index}


class ReviewsApi(Controller):
    path = "/api/reviews"
    tags = ["reviews"]
    guards = [auth.reviewer]

    @get("/queue", summary="Work I may review", sync_to_thread=True)
    def queue(self, request: Req, runtime: NamedDependency[Runtime]) -> list[dict[str, Any]]:
        return [{**asdict(i), "submitted_at": i.submitted_at.isoformat()} for i in runtime.reviews.queue(request.user)]  # type: ignore[arg-type]

    @get("/{contribution_id:str}/rubric", sync_to_thread=True)
    def rubric(self, runtime: NamedDependency[Runtime], contribution_id: FromPath[str]) -> dict[str, Any]:
        return runtime.reviews.rubric_for(contribution_id)

    @post("/{contribution_id:str}/claim", sync_to_thread=True, status_code=200)
    def claim(self, request: Req, runtime: NamedDependency[Runtime], contribution_id: FromPath[str]) -> dict[str, Any]:
        runtime.reviews.claim(request.user, contribution_id)  # type: ignore[arg-type]
        return {"claimed": contribution_id}

    @post("/{contribution_id:str}", summary="Review against the rubric", sync_to_thread=True, status_code=200)
    def review(self, request: Req, runtime: NamedDependency[Runtime], contribution_id: FromPath[str], data: JSONBody[ReviewIn]) -> dict[str, Any]:
        decision = runtime.reviews.review(request.user, contribution_id, data.scores, data.feedback)  # type: ignore[arg-type]
        return asdict(decision)

    @post("/{contribution_id:str}/assign", guards=[auth.steward], summary="Assign a reviewer (stewards)", sync_to_thread=True, status_code=200)
    def assign(self, request: Req, runtime: NamedDependency[Runtime], contribution_id: FromPath[str], data: JSONBody[AssignIn]) -> dict[str, Any]:
        reviewer = runtime.members.principal(data.reviewer_id)
        if reviewer is None:
            raise NotFound(f"no member {data.reviewer_id}")
        runtime.reviews.assign(request.user, contribution_id, reviewer)  # type: ignore[arg-type]
        return {"assigned": data.reviewer_id}

    @post("/conflicts", summary="Declare a conflict of interest with an author", sync_to_thread=True, status_code=200)
    def conflict(self, request: Req, runtime: NamedDependency[Runtime], data: JSONBody[ConflictIn]) -> dict[str, Any]:
        runtime.reviews.declare_conflict(request.user, data.author_id)  # type: ignore[arg-type]
        return {"declared": data.author_id}


class PoliciesApi(Controller):
    path = "/api/policies"
    tags = ["policies"]

    @get("/", summary="Every version of every policy, and how it was adopted (public)", sync_to_thread=True)
    def policies(self, runtime: NamedDependency[Runtime], name: FromQuery[str | None] = None) -> list[dict[str, Any]]:
        return [{**asdict(p), "effective_at": p.effective_at.isoformat()} for p in runtime.policies.history(name)]


WORK_API = [TasksApi, ContributionsApi, ReviewsApi, PoliciesApi]
