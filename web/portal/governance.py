"""Portal pages for proposals, discussion, voting (htmx), results and policies."""

from __future__ import annotations

import difflib
import json
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from coop.kernel.errors import Refused
from web.runtime import Runtime
from governance.policies import NoPolicy
from governance.proposal_rules import KINDS
from governance.service import ProposalView
from web import auth
from web.guard import parse_json
from web.inputs import AMOUNT_MAX, aware_time, whole_number
from web.portal.common import Req, USER_ERRORS, is_htmx, page, redirect_done, status_for, text_value

Form = URLEncodedBody[dict[str, Any]]
FLOOR_CURRENCIES = ("EUR", "USD", "GBP")


def policy_diff(runtime: Runtime, proposal: ProposalView) -> list[dict[str, Any]]:
    """Old policy vs each proposed body, as unified diff lines of their pretty JSON."""
    if proposal.policy is None:
        return []
    try:
        current = runtime.policies.in_force(proposal.policy, proposal.opens_at)
        old_text, old_label = json.dumps(current.body, indent=2, ensure_ascii=False).splitlines(), f"{proposal.policy} v{current.version}"
    except NoPolicy:
        old_text, old_label = [], "(none)"
    bodies = [(d["label"], d["body"]) for d in proposal.options["drafts"]] if proposal.kind == "rubric" else [("proposed", proposal.options["body"])]
    diffs = []
    for label, body in bodies:
        new_text = json.dumps(body, indent=2, ensure_ascii=False).splitlines()
        lines = list(difflib.unified_diff(old_text, new_text, old_label, f"{label}", lineterm="", n=2))
        diffs.append({"label": label, "lines": lines})
    return diffs


class GovernancePages(Controller):
    path = "/proposals"
    guards = [auth.member]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def list_proposals(self, request: Req, runtime: NamedDependency[Runtime], status: FromQuery[str] = "open", done: FromQuery[str | None] = None) -> Template:
        return page(request, "proposals.html", proposals=runtime.governance.list(status), status=status, done=done)

    def _new_form(self, request: Req, runtime: Runtime, kind: str, status: int = 200, errors: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Template:
        floor = runtime.policies.in_force("pay-floor").body
        prefill = {}
        for name in ("consent-rules", "revenue-formula", "governance-rules"):
            prefill[name] = json.dumps(runtime.policies.in_force(name).body, indent=2)
        rubric_kind = "expert-answer"
        prefill["rubric"] = json.dumps({"task_kind": rubric_kind, "drafts": [{"label": "A", "body": runtime.policies.in_force(f"rubric.{rubric_kind}").body}]}, indent=2)
        applicants = runtime.members.applicants() if kind == "admit-member" else []  # only that form lists them
        return page(request, "proposal_new.html", status_code=status, kind=kind, kinds=KINDS, floor=floor, currencies=FLOOR_CURRENCIES,
                    prefill=prefill, applicants=applicants, errors=errors or {}, values=values or {})

    @get("/new", sync_to_thread=True)
    def new_form(self, request: Req, runtime: NamedDependency[Runtime], kind: FromQuery[str] = "pay-floor") -> Template:
        return self._new_form(request, runtime, kind if kind in KINDS else "pay-floor")

    @post("/new", sync_to_thread=True)
    def propose(self, request: Req, runtime: NamedDependency[Runtime], data: Form) -> Template | Redirect:
        kind = text_value(data, "kind")
        values = {k: text_value(data, k) for k in data}
        try:
            options = self._options(kind, data)
            minutes_text = text_value(data, "voting_minutes").strip()
            minutes = whole_number(minutes_text, "voting minutes") if minutes_text else None
            effective_text = text_value(data, "effective_at").strip()
            effective = aware_time(effective_text, "the effective time") if effective_text else None
            proposal = runtime.governance.propose(request.user, kind, text_value(data, "title"), text_value(data, "description"), options, minutes, effective)  # type: ignore[arg-type]
        except USER_ERRORS as error:
            return self._new_form(request, runtime, kind if kind in KINDS else "pay-floor", status_for(error), {"_form": str(error)}, values)
        return redirect_done(f"/proposals/{proposal.id}", "Your proposal is open for voting.")

    @staticmethod
    def _options(kind: str, data: dict[str, Any]) -> dict[str, Any]:
        if kind == "pay-floor":
            floors = {}
            for currency in FLOOR_CURRENCIES:
                text = text_value(data, f"floor_{currency}").strip()
                if text:
                    floors[currency] = whole_number(text, f"the {currency} floor (minor units per hour)", 0, AMOUNT_MAX)
            flag = text_value(data, "flag_after_accepted").strip()
            return {"body": {"hourly_minimum": floors, "flag_after_accepted": whole_number(flag, "flag after accepted", 0) if flag else 0}}
        if kind == "resolution":
            return {"text": text_value(data, "text")}
        if kind == "admit-member":
            return {"member": text_value(data, "member")}
        parsed = parse_json(text_value(data, "policy_json"), "the proposed policy")
        if not isinstance(parsed, dict):
            raise Refused("the proposed policy must be a JSON object")
        return parsed if kind == "rubric" else {"body": parsed}

    def _context(self, request: Req, runtime: Runtime, proposal_id: str) -> dict[str, Any]:
        proposal = runtime.governance.get(proposal_id)
        return {"p": proposal, "my_vote": runtime.governance.my_vote(request.user, proposal_id), "diffs": policy_diff(runtime, proposal)}  # type: ignore[arg-type]

    @get("/{proposal_id:str}", sync_to_thread=True)
    def detail(self, request: Req, runtime: NamedDependency[Runtime], proposal_id: FromPath[str], done: FromQuery[str | None] = None) -> Template:
        return page(request, "proposal.html", done=done, errors={}, **self._context(request, runtime, proposal_id))

    @get("/{proposal_id:str}/turnout", sync_to_thread=True)
    def turnout(self, request: Req, runtime: NamedDependency[Runtime], proposal_id: FromPath[str]) -> Template:
        return page(request, "partials/turnout.html", **self._context(request, runtime, proposal_id))

    @post("/{proposal_id:str}/vote", sync_to_thread=True)
    def vote(self, request: Req, runtime: NamedDependency[Runtime], proposal_id: FromPath[str], data: Form) -> Template | Redirect:
        proposal = runtime.governance.get(proposal_id)
        error_text = None
        try:
            if proposal.method == "ranked":
                ranks = {label: text_value(data, f"rank-{label}").strip() for label in proposal.choices}
                chosen = sorted((whole_number(r, f"the rank of {label}", 1), label) for label, r in ranks.items() if r)
                if len({r for r, _ in chosen}) != len(chosen):
                    raise Refused("give each draft a different rank (1 = first choice)")
                vote: Any = [label for _, label in chosen]
            else:
                vote = text_value(data, "vote")
            runtime.governance.vote_with_password(request.user, proposal_id, vote, text_value(data, "password"))  # type: ignore[arg-type]
            status = 200
        except USER_ERRORS as error:
            error_text, status = str(error), status_for(error)
        context = self._context(request, runtime, proposal_id)
        if is_htmx(request):
            return page(request, "partials/vote.html", status_code=status, vote_error=error_text, **context)
        if error_text:
            return page(request, "proposal.html", status_code=status, vote_error=error_text, errors={}, **context)
        return redirect_done(f"/proposals/{proposal_id}", "Your signed ballot is cast and logged.")

    @post("/{proposal_id:str}/comments", sync_to_thread=True)
    def comment(self, request: Req, runtime: NamedDependency[Runtime], proposal_id: FromPath[str], data: Form) -> Template | Redirect:
        runtime.governance.comment(request.user, proposal_id, text_value(data, "text"))  # type: ignore[arg-type]
        if is_htmx(request):
            return page(request, "partials/comments.html", **self._context(request, runtime, proposal_id))
        return redirect_done(f"/proposals/{proposal_id}#discussion", "Comment posted.")


class PolicyPages(Controller):
    path = "/policies"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def policies(self, request: Req, runtime: NamedDependency[Runtime]) -> Template:
        grouped: dict[str, list[Any]] = {}
        for policy in runtime.policies.history():
            grouped.setdefault(policy.name, []).append(policy)
        return page(request, "policies.html", grouped=grouped, pretty=lambda body: json.dumps(body, indent=2, ensure_ascii=False))
