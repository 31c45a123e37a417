"""Portal pages for appeals: the author appeals a rejection from their contribution's page; reviewers
list the open appeals they may decide and uphold or overturn them (coop.work.appeals)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from coop.kernel.errors import Conflict, Refused
from coop.work.appeals import AppealService
from web import auth
from web.auth import SignedIn
from web.portal.common import Form, Req, page, redirect_done, text_value


class AppealFormPages(Controller):
    """The appeal form posts here from the author's rejected contribution page (contribution.html)."""

    path = "/contributions/{contribution_id:str}/appeal"
    guards = [auth.member]
    include_in_schema = False

    @post("/", sync_to_thread=True)
    def appeal(
        self, principal: SignedIn, appeals: NamedDependency[AppealService], contribution_id: FromPath[str], data: Form
    ) -> Redirect:
        back = f"/contributions/{contribution_id}"
        try:
            appeals.appeal(principal, contribution_id, text_value(data, "reason"))
        except (Refused, Conflict) as error:  # a bad reason or a second try; the rest are error pages
            return redirect_done(back, f"Not appealed: {error}")
        return redirect_done(back, "Appeal filed: a reviewer who took no part in the reviews will decide it.")


class AppealPages(Controller):
    path = "/appeals"
    guards = [auth.reviewer]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def open_appeals(
        self,
        request: Req,
        principal: SignedIn,
        appeals: NamedDependency[AppealService],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return page(request, "appeals.html", appeals=appeals.open_appeals(principal), done=done)

    @post("/{appeal_id:str}/decide", sync_to_thread=True)
    def decide(
        self, principal: SignedIn, appeals: NamedDependency[AppealService], appeal_id: FromPath[str], data: Form
    ) -> Redirect:
        try:
            decided = appeals.decide(principal, appeal_id, text_value(data, "outcome"), text_value(data, "reason"))
        except (Refused, Conflict) as error:  # a bad reason or a second try; the rest are error pages
            return redirect_done("/appeals", f"Not decided: {error}")
        return redirect_done("/appeals", f"Appeal decided: {decided.outcome}.")
