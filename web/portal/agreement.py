"""Portal pages of agreement and adjudication: a task's agreement page (linked from the task page),
the contributor's own block on /me, and the open adjudications reviewers who took no part decide."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from coop.kernel.errors import Conflict, Refused
from coop.kernel.principal import Principal
from coop.work.adjudication import AdjudicationService
from coop.work.agreement import AgreementService
from web import auth
from web.auth import SignedIn
from web.portal.common import Form, Req, page, redirect_done, text_value


def my_agreement_context(principal: Principal, agreement: AgreementService) -> dict[str, Any]:
    """What /me's "your agreement" block (partials/my_agreement.html) shows: the member's own figure
    on each task they answered items of."""
    return {"my_agreement": agreement.mine(principal)}


class TaskAgreementPages(Controller):
    path = "/tasks/{task_id:str}/agreement"
    guards = [auth.member]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def agreement(
        self, request: Req, principal: SignedIn, agreement: NamedDependency[AgreementService], task_id: FromPath[str]
    ) -> Template:
        view = agreement.for_task(principal, task_id)
        everyone = principal.has_role("reviewer") or principal.is_steward
        return page(request, "agreement.html", view=view, measured=view.measured, everyone=everyone)


class AdjudicationPages(Controller):
    path = "/adjudications"
    guards = [auth.reviewer]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def open_adjudications(
        self,
        request: Req,
        principal: SignedIn,
        adjudications: NamedDependency[AdjudicationService],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return page(request, "adjudications.html", held=adjudications.open_adjudications(principal), done=done)

    @post("/{adjudication_id:str}/decide", sync_to_thread=True)
    def decide(
        self,
        principal: SignedIn,
        adjudications: NamedDependency[AdjudicationService],
        adjudication_id: FromPath[str],
        data: Form,
    ) -> Redirect:
        try:
            decided = adjudications.decide(
                principal, adjudication_id, text_value(data, "outcome"), text_value(data, "reason")
            )
        except (Refused, Conflict) as error:  # a bad reason or a second try; the rest are error pages
            return redirect_done("/adjudications", f"Not decided: {error}")
        return redirect_done("/adjudications", f"Adjudication decided: {decided.outcome}.")


AGREEMENT_PAGES = [TaskAgreementPages, AdjudicationPages]
