"""Portal pages of the second hand (issue 16, docs/two-hands.md): what awaits a second steward — tasks
above the pay ceiling, downstream revenue a steward reported — for every member to see, with the
forms another steward signs (with their password) to approve a task or confirm a report. The steward
whose act needs the second hand gets the refusal's reason instead."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from coop.datasets.revenue_reports import RevenueReports
from coop.work.task_approvals import TaskApprovals
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.inputs import AMOUNT_MAX
from web.portal.common import Form, Req, int_value, page, redirect_done, text_value


class SecondHandPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/second-hand", guards=[auth.member], sync_to_thread=True)
    def awaiting(
        self,
        request: Req,
        principal: SignedIn,
        task_approvals: NamedDependency[TaskApprovals],
        revenue_reports: NamedDependency[RevenueReports],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return page(
            request,
            "second_hand.html",
            tasks=task_approvals.awaiting(),
            pending=revenue_reports.list(principal, "pending"),
            confirmed=revenue_reports.list(principal, "confirmed")[:20],
            done=done,
        )

    @post("/tasks/{task_id:str}/approve", guards=[auth.steward], sync_to_thread=True)
    def approve(
        self,
        request: Req,
        principal: SignedIn,
        task_approvals: NamedDependency[TaskApprovals],
        task_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        try:
            budget = int_value(data, "budget", "the budget", AMOUNT_MAX) if text_value(data, "budget").strip() else None
            task_approvals.approve_with_password(principal, task_id, text_value(data, "password"), budget)
        except USER_ERRORS as error:
            return _error(request, error)
        return redirect_done(f"/tasks/{task_id}", "Approved as the second steward: the task may be worked.")

    @post("/revenue-reports/{report_id:str}/confirm", guards=[auth.steward], sync_to_thread=True)
    def confirm(
        self,
        request: Req,
        principal: SignedIn,
        revenue_reports: NamedDependency[RevenueReports],
        report_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        try:
            revenue_reports.confirm_with_password(principal, report_id, text_value(data, "password"))
        except USER_ERRORS as error:
            return _error(request, error)
        return redirect_done("/second-hand", "Confirmed as the second steward: the revenue is posted and shared.")


def _error(request: Req, error: Exception) -> Template:
    status = status_for(error)
    return page(request, "error.html", status_code=status, status=status, detail=str(error))
