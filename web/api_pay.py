"""JSON API for a member's pay per hour of server-measured time, per task (coop.work.member_pay):
the figures of the "My pay per measured hour" block of /me."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency

from coop.work.member_pay import MemberPayService
from web import auth
from web.auth import SignedIn


class MyPayApi(Controller):
    path = "/api/me/pay"
    tags = ["me"]
    guards = [auth.member]

    @get(
        "/",
        summary="My pay per measured hour, per task I worked on",
        description="Per task: accepted items, the seconds the server measured on them (claim → submission), "
        "base pay from the books (integer minor units of the task's currency, reversals netted), "
        "⌊earned on measured items × 3600 / measured seconds⌋ beside the floor in force, and the minutes "
        "you reported, as a note only (`reported_minutes_note`). Accepted work without a measured time "
        "(free-text tasks) is in `earned` but not in the rate (`unmeasured_accepted`).",
        sync_to_thread=True,
    )
    def pay(self, principal: SignedIn, member_pay: NamedDependency[MemberPayService]) -> list[dict[str, Any]]:
        return [line.as_json() for line in member_pay.by_task(principal)]
