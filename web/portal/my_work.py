"""What a member sees of their own work and of the reviewers' record: the "my pay per measured hour"
and "my overturn rate" blocks of /me (each a partial template filled by one call here), and
/reviewers, every reviewer's overturn rate, open to every member (coop.work.appeals)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template

from coop.kernel.principal import Principal
from coop.work.appeals import AppealService
from coop.work.member_pay import MemberPayService
from web import auth
from web.auth import SignedIn
from web.portal.common import Req, page


def pay_context(principal: Principal, member_pay: MemberPayService) -> dict[str, Any]:
    """The /me block "Pay per measured hour": a member's lines per task (none for buyers and applicants)."""
    if not principal.in_good_standing:
        return {"pay_lines": None}
    return {"pay_lines": member_pay.by_task(principal)}


def overturn_context(principal: Principal, appeals: AppealService) -> dict[str, Any]:
    """The /me block "Appeals of work I reviewed", for a reviewer: their own overturn rate."""
    if not principal.has_role("reviewer"):
        return {"overturn_rate": None, "is_reviewer": False}
    rates = appeals.overturn_rates(principal.account_id)
    return {"overturn_rate": rates[0] if rates else None, "is_reviewer": True}


class ReviewerPages(Controller):
    path = "/reviewers"
    guards = [auth.member]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def rates(self, request: Req, principal: SignedIn, appeals: NamedDependency[AppealService]) -> Template:
        return page(request, "reviewers.html", rates=appeals.overturn_rates(), me=principal.account_id)
