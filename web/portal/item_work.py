"""Portal pages for doing the work on a task's items: "Start working" claims the next item, the
item's page shows it beside the answer controls for the task's answer kind, and "Submit & next" /
"Skip" answer or give it back and move on to the next item (post-redirect-get throughout).

The pages call the same services as the JSON API (web/api_claims.py): coop.work.claims for claims
and skips, coop.work.item_answers for answers signed with the custodial key's password. A retried
submit of the same claim returns the same contribution (the service keeps one answer per claim).
The form is read into the answer schema of coop.rules.answers here; the service checks it, and a
refusal is shown next to the form with its status (web.errors), nothing changed."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from coop.kernel.errors import Conflict, NotFound, Refused
from coop.kernel.principal import Principal
from coop.work.answer_specs import AnswerSpecService, AnswerSpecView
from coop.work.claims import ClaimService, ClaimView
from coop.work.item_answers import AnswerReceipt, ItemAnswerService, response_ids
from coop.work.tasks import TaskService
from governance.policies import PolicyService
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.portal.common import Form, Req, int_value, list_value, page, text_value


def answer_from_form(spec: AnswerSpecView, claim: ClaimView, data: dict[str, Any]) -> dict[str, Any]:
    """The typed answer the form carries, in the schema of the task's answer kind (checked later)."""
    kind = spec.answer_kind
    if kind == "pairwise":
        return {"choice": text_value(data, "choice"), "reason": text_value(data, "reason")}
    if kind == "classification":
        return {"labels": list_value(data, "labels")}
    if kind == "rubric":
        return {
            "scores": {
                c["name"]: int_value(data, f"score-{c['name']}", c["name"], c["max"]) for c in spec.config["criteria"]
            }
        }
    if kind == "ranking":
        ids = response_ids(claim.item.content)
        ranks = {i: int_value(data, f"rank-{i}", f"rank of {i}", len(ids)) for i in ids}
        if sorted(ranks.values()) != list(range(1, len(ids) + 1)):
            raise Refused(f"ranks: give each response a different rank from 1 to {len(ids)}")
        return {"order": sorted(ids, key=lambda i: ranks[i])}
    edited = text_value(data, "edited")
    sources = [line.strip() for line in text_value(data, "sources").splitlines() if line.strip()]
    return {"text": text_value(data, "text"), "edited": edited or None, "sources": sources}


class ItemWorkPages(Controller):
    guards = [auth.member]
    include_in_schema = False

    @post("/tasks/{task_id:str}/work", sync_to_thread=True)
    def start(
        self,
        principal: SignedIn,
        answer_specs: NamedDependency[AnswerSpecService],
        claims: NamedDependency[ClaimService],
        task_id: FromPath[str],
    ) -> Redirect:
        """Start working: claim the next item (or get back the live claim) and show it."""
        answer_specs.get(task_id)  # a task without an answer spec has no items to work on
        return _next(principal, claims, task_id)

    @get("/tasks/{task_id:str}/work", sync_to_thread=True)
    def finished(
        self,
        request: Req,
        principal: SignedIn,
        tasks: NamedDependency[TaskService],
        item_answers: NamedDependency[ItemAnswerService],
        task_id: FromPath[str],
        answered: FromQuery[str | None] = None,
        skipped: FromQuery[bool] = False,
    ) -> Template:
        """Nothing is left for this member: say so (with the receipt of the last answer, if any)."""
        receipt = _receipt(item_answers, principal, answered)
        return page(request, "item_work.html", task=tasks.get(task_id), claim=None, receipt=receipt, skipped=skipped)

    @get("/claims/{claim_id:str}", sync_to_thread=True)
    def show(
        self,
        request: Req,
        principal: SignedIn,
        claims: NamedDependency[ClaimService],
        tasks: NamedDependency[TaskService],
        answer_specs: NamedDependency[AnswerSpecService],
        policies: NamedDependency[PolicyService],
        item_answers: NamedDependency[ItemAnswerService],
        claim_id: FromPath[str],
        answered: FromQuery[str | None] = None,
        skipped: FromQuery[bool] = False,
    ) -> Template:
        claim = claims.get(principal, claim_id)
        receipt = _receipt(item_answers, principal, answered)
        return _claim_page(request, tasks, answer_specs, policies, claim, receipt=receipt, skipped=skipped)

    @post("/claims/{claim_id:str}/answer", sync_to_thread=True)
    def answer(
        self,
        request: Req,
        principal: SignedIn,
        claims: NamedDependency[ClaimService],
        tasks: NamedDependency[TaskService],
        answer_specs: NamedDependency[AnswerSpecService],
        policies: NamedDependency[PolicyService],
        item_answers: NamedDependency[ItemAnswerService],
        claim_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        """Submit & next: sign the answer with the custodial key, then claim the next item."""
        claim = claims.get(principal, claim_id)
        spec = answer_specs.get(claim.task_id)
        try:
            answer = answer_from_form(spec, claim, data)
            item_answers.answer_with_password(
                principal,
                claim_id,
                answer,
                int_value(data, "minutes", "minutes"),
                _default_terms(policies),
                text_value(data, "password"),
            )
        except USER_ERRORS as error:
            return _claim_page(
                request, tasks, answer_specs, policies, claim, status_for(error), error=str(error), values=data
            )
        return _next(principal, claims, claim.task_id, f"answered={claim_id}")

    @post("/claims/{claim_id:str}/skip", sync_to_thread=True)
    def skip(
        self,
        request: Req,
        principal: SignedIn,
        claims: NamedDependency[ClaimService],
        tasks: NamedDependency[TaskService],
        answer_specs: NamedDependency[AnswerSpecService],
        policies: NamedDependency[PolicyService],
        claim_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        """Give the item back with a reason, and go on to the next one."""
        claim = claims.get(principal, claim_id)
        try:
            claims.skip(principal, claim_id, text_value(data, "skip_reason"))
        except USER_ERRORS as error:
            return _claim_page(
                request, tasks, answer_specs, policies, claim, status_for(error), error=str(error), values=data
            )
        return _next(principal, claims, claim.task_id, "skipped=true")


def spec_or_none(answer_specs: AnswerSpecService, task_id: str) -> AnswerSpecView | None:
    """The task's answer spec, or None when it has none (its work is not on items): the service
    refuses a task without one with a Conflict, which is all it raises here."""
    try:
        return answer_specs.get(task_id)
    except Conflict:
        return None


def _next(principal: Principal, claims: ClaimService, task_id: str, query: str = "") -> Redirect:
    """Redirect to the next item to work on, or to the "nothing left" page."""
    suffix = f"?{query}" if query else ""
    try:
        claim = claims.claim_next(principal, task_id)
    except NotFound:
        return Redirect(f"/tasks/{task_id}/work{suffix}", status_code=303)
    return Redirect(f"/claims/{claim.id}{suffix}", status_code=303)


def _receipt(item_answers: ItemAnswerService, principal: Principal, claim_id: str | None) -> AnswerReceipt | None:
    if not claim_id:
        return None
    try:
        return item_answers.receipt(principal, claim_id)
    except NotFound:
        return None


def _default_terms(policies: PolicyService) -> dict[str, Any]:
    """The consent terms an answer carries: the co-op's default terms (the consent-rules policy)."""
    terms: dict[str, Any] = policies.in_force("consent-rules").body["default_terms"]
    return terms


def _claim_page(
    request: Req,
    tasks: TaskService,
    answer_specs: AnswerSpecService,
    policies: PolicyService,
    claim: ClaimView,
    status: int = 200,
    **extra: Any,
) -> Template:
    task = tasks.get(claim.task_id)
    spec = answer_specs.get(claim.task_id)
    return page(
        request,
        "item_work.html",
        status_code=status,
        task=task,
        claim=claim,
        spec=spec,
        responses=response_ids(claim.item.content),
        terms=_default_terms(policies),
        receipt=extra.pop("receipt", None),
        skipped=extra.pop("skipped", False),
        error=extra.pop("error", None),
        values=extra.pop("values", {}),
    )
