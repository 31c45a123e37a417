"""Portal pages for proposals, discussion, voting (htmx), results and policies."""

from __future__ import annotations

import difflib
import json
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from coop.kernel.errors import Refused
from coop.kernel.principal import Principal
from coop.membership.service import MembershipService
from governance.defaults import all_defaults
from governance.policies import NoPolicy, PolicyService
from governance.proposal_rules import KINDS
from governance.service import BALLOT_KIND, GovernanceService, ProposalView
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.guard import parse_json
from web.inputs import aware_time, whole_number
from web.portal.common import Form, Req, errors_at, is_htmx, page, redirect_done, text_value
from web.portal.own_signing import own_key_of, pasted_statement, to_sign
from web.portal.pay_floor_form import floor_changes, floor_currencies, pay_floor_options


def policy_diff(policies: PolicyService, proposal: ProposalView) -> list[dict[str, Any]]:
    """Old policy vs each proposed body, as unified diff lines of their pretty JSON."""
    if proposal.policy is None:
        return []
    try:
        current = policies.in_force(proposal.policy, proposal.opens_at)
        old_text, old_label = (
            json.dumps(current.body, indent=2, ensure_ascii=False).splitlines(),
            f"{proposal.policy} v{current.version}",
        )
    except NoPolicy:
        old_text, old_label = [], "(none)"
    bodies = (
        [(d["label"], d["body"]) for d in proposal.options["drafts"]]
        if proposal.kind == "rubric"
        else [("proposed", proposal.options["body"])]
    )
    diffs = []
    for label, body in bodies:
        new_text = json.dumps(body, indent=2, ensure_ascii=False).splitlines()
        lines = list(difflib.unified_diff(old_text, new_text, old_label, f"{label}", lineterm="", n=2))
        diffs.append({"label": label, "lines": lines})
    return diffs


def proposal_context(
    principal: Principal, governance: GovernanceService, policies: PolicyService, proposal_id: str
) -> dict[str, Any]:
    proposal = governance.get(proposal_id)
    return {
        "p": proposal,
        "my_vote": governance.my_vote(principal, proposal_id),
        "diffs": policy_diff(policies, proposal),
        "floor_changes": floor_changes(policies, proposal),
        "own_key": own_key_of(governance.keys, principal),
    }


def proposal_options(kind: str, data: dict[str, Any], policies: PolicyService) -> dict[str, Any]:
    """What the form proposes, as the options of a proposal of `kind`."""
    if kind == "pay-floor":
        return pay_floor_options(data, floor_currencies(policies.in_force("pay-floor").body))
    if kind == "resolution":
        return {"text": text_value(data, "text")}
    if kind == "admit-member":
        return {"member": text_value(data, "member")}
    parsed = parse_json(text_value(data, "policy_json"), "the proposed policy")
    if not isinstance(parsed, dict):
        raise Refused("the proposed policy must be a JSON object")
    return parsed if kind == "rubric" else {"body": parsed}


def new_proposal_form(
    request: Req,
    policies: PolicyService,
    members: MembershipService,
    kind: str,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Template:
    floor = policies.in_force("pay-floor").body
    prefill = {}
    for name in (
        "consent-rules",
        "revenue-formula",
        "governance-rules",
        "adjudication",
        "payout-approvals",
        "pay-ceiling",
        "witnesses",
    ):
        try:
            prefill[name] = json.dumps(policies.in_force(name).body, indent=2)
        except NoPolicy:  # a database `coop init` has not seeded it into yet: start from the default
            prefill[name] = json.dumps(all_defaults()[name], indent=2)
    rubric_kind = "expert-answer"
    prefill["rubric"] = json.dumps(
        {"task_kind": rubric_kind, "drafts": [{"label": "A", "body": policies.in_force(f"rubric.{rubric_kind}").body}]},
        indent=2,
    )
    applicants = members.applicants() if kind == "admit-member" else []  # only that form lists them
    return page(
        request,
        "proposal_new.html",
        status_code=status,
        kind=kind,
        kinds=KINDS,
        floor=floor,
        currencies=floor_currencies(floor),
        prefill=prefill,
        applicants=applicants,
        errors=errors or {},
        values=values or {},
    )


class GovernancePages(Controller):
    path = "/proposals"
    guards = [auth.member]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def list_proposals(
        self,
        request: Req,
        governance: NamedDependency[GovernanceService],
        status: FromQuery[str] = "open",
        done: FromQuery[str | None] = None,
    ) -> Template:
        return page(request, "proposals.html", proposals=governance.list(status), status=status, done=done)

    @get("/new", sync_to_thread=True)
    def new_form(
        self,
        request: Req,
        policies: NamedDependency[PolicyService],
        members: NamedDependency[MembershipService],
        kind: FromQuery[str] = "pay-floor",
    ) -> Template:
        return new_proposal_form(request, policies, members, kind if kind in KINDS else "pay-floor")

    @post("/new", sync_to_thread=True)
    def propose(
        self,
        request: Req,
        principal: SignedIn,
        governance: NamedDependency[GovernanceService],
        policies: NamedDependency[PolicyService],
        members: NamedDependency[MembershipService],
        data: Form,
    ) -> Template | Redirect:
        kind = text_value(data, "kind")
        values = {k: text_value(data, k) for k in data}
        try:
            options = proposal_options(kind, data, policies)
            minutes_text = text_value(data, "voting_minutes").strip()
            minutes = whole_number(minutes_text, "voting minutes") if minutes_text else None
            effective_text = text_value(data, "effective_at").strip()
            effective = aware_time(effective_text, "the effective time") if effective_text else None
            proposal = governance.propose(
                principal, kind, text_value(data, "title"), text_value(data, "description"), options, minutes, effective
            )
        except USER_ERRORS as error:
            return new_proposal_form(
                request,
                policies,
                members,
                kind if kind in KINDS else "pay-floor",
                status_for(error),
                errors_at(error),
                values,
            )
        return redirect_done(f"/proposals/{proposal.id}", "Your proposal is open for voting.")

    @get("/{proposal_id:str}", sync_to_thread=True)
    def detail(
        self,
        request: Req,
        principal: SignedIn,
        governance: NamedDependency[GovernanceService],
        policies: NamedDependency[PolicyService],
        proposal_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return page(
            request,
            "proposal.html",
            done=done,
            errors={},
            **proposal_context(principal, governance, policies, proposal_id),
        )

    @get("/{proposal_id:str}/turnout", sync_to_thread=True)
    def turnout(
        self,
        request: Req,
        principal: SignedIn,
        governance: NamedDependency[GovernanceService],
        policies: NamedDependency[PolicyService],
        proposal_id: FromPath[str],
    ) -> Template:
        return page(request, "partials/turnout.html", **proposal_context(principal, governance, policies, proposal_id))

    @post("/{proposal_id:str}/vote", sync_to_thread=True)
    def vote(
        self,
        request: Req,
        principal: SignedIn,
        governance: NamedDependency[GovernanceService],
        policies: NamedDependency[PolicyService],
        proposal_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        proposal = governance.get(proposal_id)
        error_text, shown = None, None
        try:
            if proposal.method == "ranked":
                ranks = {label: text_value(data, f"rank-{label}").strip() for label in proposal.choices}
                chosen = sorted((whole_number(r, f"the rank of {label}", 1), label) for label, r in ranks.items() if r)
                if len({r for r, _ in chosen}) != len(chosen):
                    raise Refused("give each draft a different rank (1 = first choice)")
                vote: Any = [label for _, label in chosen]
            else:
                vote = text_value(data, "vote")
            own_key = own_key_of(governance.keys, principal)
            if own_key is None:
                governance.vote_with_password(principal, proposal_id, vote, text_value(data, "password"))
            elif not text_value(data, "signed").strip():  # a key of one's own: show the ballot to sign
                shown = to_sign(BALLOT_KIND, governance.ballot_body(principal, proposal_id, vote))
            else:
                signed = text_value(data, "signed")
                body = text_value(data, "statement_body")
                governance.cast(principal, proposal_id, pasted_statement(signed, body, BALLOT_KIND, own_key.public_key))
            status = 200
        except USER_ERRORS as error:
            error_text, status = str(error), status_for(error)
        context = proposal_context(principal, governance, policies, proposal_id)
        if shown is not None:
            template = "partials/vote.html" if is_htmx(request) else "proposal.html"
            return page(request, template, to_sign=shown, values=data, errors={}, **context)
        if is_htmx(request):
            return page(request, "partials/vote.html", status_code=status, vote_error=error_text, **context)
        if error_text:
            return page(request, "proposal.html", status_code=status, vote_error=error_text, errors={}, **context)
        return redirect_done(f"/proposals/{proposal_id}", "Your signed ballot is cast and logged.")

    @post("/{proposal_id:str}/comments", sync_to_thread=True)
    def comment(
        self,
        request: Req,
        principal: SignedIn,
        governance: NamedDependency[GovernanceService],
        policies: NamedDependency[PolicyService],
        proposal_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        governance.comment(principal, proposal_id, text_value(data, "text"))
        if is_htmx(request):
            return page(
                request, "partials/comments.html", **proposal_context(principal, governance, policies, proposal_id)
            )
        return redirect_done(f"/proposals/{proposal_id}#discussion", "Comment posted.")


class PolicyPages(Controller):
    path = "/policies"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def policies(self, request: Req, policies: NamedDependency[PolicyService]) -> Template:
        grouped: dict[str, list[Any]] = {}
        for policy in policies.history():
            grouped.setdefault(policy.name, []).append(policy)
        return page(
            request,
            "policies.html",
            grouped=grouped,
            pretty=lambda body: json.dumps(body, indent=2, ensure_ascii=False),
        )
