"""Portal pages for doing the work on a task's items: "Start working" claims the next item, the
item's page shows it beside the answer controls for the task's answer kind, and "Submit & next" /
"Skip" answer or give it back and move on to the next item (post-redirect-get throughout).

The pages call the same services as the JSON API (web/api_claims.py): coop.work.claims for claims
and skips, coop.work.item_answers for answers signed with the custodial key's password or, for a
member whose key is their own, with a statement they sign on their machine (web.portal.own_signing:
"Submit" first shows the statement, then takes what `coop sign` printed). A retried
submit of the same claim returns the same contribution (the service keeps one answer per claim).
The form is read into the answer schema of coop.rules.answers here; the service checks it, and a
refusal is shown next to the form with its status (web.errors), nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from coop.kernel.errors import Conflict, NotFound, Refused
from coop.kernel.principal import Principal
from coop.membership.keys import KeyService
from coop.work.answer_specs import AnswerSpecService, AnswerSpecView
from coop.work.claims import ClaimService, ClaimView
from coop.work.contributions import STATEMENT_KIND
from coop.work.item_answers import AnswerReceipt, ItemAnswerService, response_ids
from coop.work.tasks import TaskService
from governance.policies import PolicyService
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.portal.common import Form, Req, int_value, list_value, page, text_value
from web.portal.own_signing import own_key_of, pasted_statement, to_sign


def answer_from_form(spec: AnswerSpecView, ids: list[str], data: dict[str, Any]) -> dict[str, Any]:
    """The typed answer the form carries, in the schema of the task's answer kind (checked later);
    `ids` are the item's response ids (what a ranking orders)."""
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
        ranks = {i: int_value(data, f"rank-{i}", f"rank of {i}", len(ids)) for i in ids}
        if sorted(ranks.values()) != list(range(1, len(ids) + 1)):
            raise Refused(f"ranks: give each response a different rank from 1 to {len(ids)}")
        return {"order": sorted(ids, key=lambda i: ranks[i])}
    edited = text_value(data, "edited")
    sources = [line.strip() for line in text_value(data, "sources").splitlines() if line.strip()]
    return {"text": text_value(data, "text"), "edited": edited or None, "sources": sources}


def form_values(kind: str, answer: dict[str, Any]) -> dict[str, Any]:
    """The form fields that show a given answer (the inverse of `answer_from_form`): a draft's
    answer is its edit form's starting point."""
    if kind == "pairwise":
        return dict(answer)
    if kind == "classification":
        return {"labels": answer["labels"]}
    if kind == "rubric":
        return {f"score-{name}": str(score) for name, score in answer["scores"].items()}
    if kind == "ranking":
        return {f"rank-{i}": str(rank) for rank, i in enumerate(answer["order"], start=1)}
    return {"text": answer["text"], "edited": answer["edited"] or "", "sources": "\n".join(answer["sources"])}


@dataclass(frozen=True)
class ClaimPage:
    """What the page of a claimed item is drawn from (each handler gets the services injected)."""

    request: Req
    tasks: TaskService
    answer_specs: AnswerSpecService
    policies: PolicyService
    keys: KeyService

    def show(self, principal: Principal, claim: ClaimView, status: int = 200, **extra: Any) -> Template:
        spec = extra.pop("spec", None) or self.answer_specs.get(claim.task_id)
        values = extra.pop("values", {})
        return page(
            self.request,
            "item_work.html",
            status_code=status,
            task=self.tasks.get(claim.task_id),
            claim=claim,
            spec=spec,
            responses=response_ids(claim.item.content),
            terms=_default_terms(self.policies),
            own_key=own_key_of(self.keys, principal),
            receipt=extra.pop("receipt", None),
            skipped=extra.pop("skipped", False),
            error=extra.pop("error", None),
            to_sign=extra.pop("to_sign", None),
            values=values,
            chosen=list_value(values, "labels"),
        )

    def refused(self, principal: Principal, claim: ClaimView, error: Exception, data: dict[str, Any]) -> Template:
        """The page again with the reason beside the form and what was entered (nothing changed)."""
        return self.show(principal, claim, status_for(error), error=str(error), values=data)


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
        tasks: NamedDependency[TaskService],
        answer_specs: NamedDependency[AnswerSpecService],
        policies: NamedDependency[PolicyService],
        keys: NamedDependency[KeyService],
        item_answers: NamedDependency[ItemAnswerService],
        claim_id: FromPath[str],
        answered: FromQuery[str | None] = None,
        skipped: FromQuery[bool] = False,
    ) -> Template:
        claim, receipt, spec = item_answers.claim_page(principal, claim_id, answered)  # one read transaction
        view = ClaimPage(request, tasks, answer_specs, policies, keys)
        return view.show(principal, claim, receipt=receipt, skipped=skipped, spec=spec)

    @post("/claims/{claim_id:str}/answer", sync_to_thread=True)
    def answer(
        self,
        request: Req,
        principal: SignedIn,
        claims: NamedDependency[ClaimService],
        tasks: NamedDependency[TaskService],
        answer_specs: NamedDependency[AnswerSpecService],
        policies: NamedDependency[PolicyService],
        keys: NamedDependency[KeyService],
        item_answers: NamedDependency[ItemAnswerService],
        claim_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        """Submit & next: sign the answer (custodial key, or the member's own), then claim the next
        item. A member with their own key is first shown the statement to sign."""
        claim = claims.get(principal, claim_id)
        view = ClaimPage(request, tasks, answer_specs, policies, keys)
        own_key = own_key_of(keys, principal)
        try:
            answer = answer_from_form(answer_specs.get(claim.task_id), response_ids(claim.item.content), data)
            minutes, terms = int_value(data, "minutes", "minutes"), _default_terms(policies)
            if own_key is None:
                password = text_value(data, "password")
                item_answers.answer_with_password(principal, claim_id, answer, minutes, terms, password)
            elif not text_value(data, "signed").strip():
                body = item_answers.statement_body(principal, claim_id, answer, minutes, terms, own_key.public_key)
                return view.show(principal, claim, values=data, to_sign=to_sign(STATEMENT_KIND, body))
            else:
                shown = text_value(data, "statement_body")
                statement = pasted_statement(text_value(data, "signed"), shown, STATEMENT_KIND, own_key.public_key)
                done = item_answers.submit_next.answer_signed(principal, claim_id, answer, minutes, terms, statement)
                return _to(claim.task_id, done.next.id if done.next else None, f"answered={claim_id}")
        except USER_ERRORS as error:
            return view.refused(principal, claim, error, data)
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
        keys: NamedDependency[KeyService],
        claim_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        """Give the item back with a reason, and go on to the next one."""
        claim = claims.get(principal, claim_id)
        try:
            claims.skip(principal, claim_id, text_value(data, "skip_reason"))
        except USER_ERRORS as error:
            return ClaimPage(request, tasks, answer_specs, policies, keys).refused(principal, claim, error, data)
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
    try:
        claim_id: str | None = claims.claim_next(principal, task_id).id
    except NotFound:
        claim_id = None
    return _to(task_id, claim_id, query)


def _to(task_id: str, claim_id: str | None, query: str) -> Redirect:
    """Redirect to the claimed item's page, or (no claim) to the "nothing left" page."""
    suffix = f"?{query}" if query else ""
    return Redirect(f"/claims/{claim_id}{suffix}" if claim_id else f"/tasks/{task_id}/work{suffix}", status_code=303)


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
