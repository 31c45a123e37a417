"""JSON API of the second hand (issue 16, docs/two-hands.md): a task above the pay ceiling and the
steward who approves it; downstream revenue a steward reported and the steward who confirms it.

Approvals and confirmations are signed like ballots: {password} with a custodial key, or {statement}
signed by the steward's own key (GET the body to sign first). The steward whose act needs the second
hand is refused (403) with the reason."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Meta

from coop.datasets.revenue_reports import ReportView, RevenueReports
from coop.kernel.errors import Refused
from coop.statements.fields import Count, Currency, Id, Positive
from coop.work.ceiling_gate import TaskCeiling
from coop.work.task_approvals import ApprovalView, TaskApprovals
from web import auth
from web.auth import SignedIn
from web.signed_bodies import AwareTimeText, Base64Key, Base64Sig, _signed


class TaskApprovalBody(msgspec.Struct, forbid_unknown_fields=True):
    """GET /api/tasks/{id}/approval-body gives it; sign it as kind `task.approval`."""

    task: Id
    approver: Annotated[Id, Meta(description="your member (account) id")]
    pay_per_unit: Annotated[Positive, Meta(description="the task's pay per unit now, minor units")]
    currency: Currency
    budget_minor: Annotated[Positive, Meta(description="the most the task may commit in all, minor units")]
    time: AwareTimeText


class TaskApprovalStatement(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["task.approval"]
    body: TaskApprovalBody
    key: Base64Key
    sig: Base64Sig


class TaskApprovalIn(msgspec.Struct, forbid_unknown_fields=True):
    """Approve with a custodial key ({password}, optionally {budget_minor}) or your own key ({statement})."""

    password: str | None = None
    budget_minor: int | None = None
    statement: TaskApprovalStatement | None = None


class RevenueConfirmationBody(msgspec.Struct, forbid_unknown_fields=True):
    """GET /api/revenue-reports/{id}/confirmation-body gives it; sign it as kind `revenue.confirmation`."""

    report: Id
    report_entry: Count
    license: Id
    amount: Positive
    currency: Currency
    confirmer: Annotated[Id, Meta(description="your member (account) id")]
    time: AwareTimeText


class RevenueConfirmationStatement(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["revenue.confirmation"]
    body: RevenueConfirmationBody
    key: Base64Key
    sig: Base64Sig


class RevenueConfirmationIn(msgspec.Struct, forbid_unknown_fields=True):
    password: str | None = None
    statement: RevenueConfirmationStatement | None = None


def approval_json(view: ApprovalView) -> dict[str, Any]:
    return {**asdict(view), "approved_at": view.approved_at.isoformat()}


def ceiling_json(standing: TaskCeiling) -> dict[str, Any]:
    """What the task page and the API say: awaiting a second steward's approval, and why."""
    return {
        "task": standing.task_id,
        "title": standing.title,
        "awaiting_approval": standing.awaiting,
        "status": "awaiting a second steward's approval" if standing.awaiting else "may be worked",
        "holds": [{"what": h.what, "reason": h.reason} for h in standing.holds],
        "opened_by": standing.created_by,
        "pay_per_unit": standing.pay_per_unit,
        "currency": standing.currency,
        "committed": standing.committed,
        "ceiling": {"policy": "pay-ceiling", "version": standing.ceiling.version, "body": standing.ceiling.body},
        "approvals": [
            {
                "approver": a.approver_id,
                "pay_per_unit": a.pay_per_unit,
                "budget_minor": a.budget_minor,
                "approved_at": a.approved_at.isoformat(),
                "log_index": a.log_index,
            }
            for a in standing.approvals
        ],
    }


def report_json(view: ReportView) -> dict[str, Any]:
    data = asdict(view)
    data["reported_at"] = view.reported_at.isoformat()
    data["confirmed_at"] = view.confirmed_at.isoformat() if view.confirmed_at else None
    return data


class TaskApprovalApi(Controller):
    path = "/api/tasks"
    tags = ["tasks"]

    @get(
        "/{task_id:str}/approval",
        guards=[auth.member],
        summary="Whether the task awaits a second steward's approval (pay ceiling), why, and its approvals",
        sync_to_thread=True,
    )
    def standing(self, task_approvals: NamedDependency[TaskApprovals], task_id: FromPath[str]) -> dict[str, Any]:
        return ceiling_json(task_approvals.standing(task_id))

    @get(
        "/{task_id:str}/approval-body",
        guards=[auth.steward],
        summary="The task.approval body to sign with your own key (budget_minor: default the per-task ceiling)",
        sync_to_thread=True,
    )
    def approval_body(
        self,
        principal: SignedIn,
        task_approvals: NamedDependency[TaskApprovals],
        task_id: FromPath[str],
        budget_minor: FromQuery[int | None] = None,
    ) -> dict[str, Any]:
        return task_approvals.approval_body(principal, task_id, budget_minor)

    @post(
        "/{task_id:str}/approvals",
        guards=[auth.steward],
        summary="Approve a task above the pay ceiling as a second steward: {password} or {statement}",
        description="The steward who opened the task is refused (403). The same approval again answers the first.",
        sync_to_thread=True,
        status_code=200,
    )
    def approve(
        self,
        principal: SignedIn,
        task_approvals: NamedDependency[TaskApprovals],
        task_id: FromPath[str],
        data: JSONBody[TaskApprovalIn],
    ) -> dict[str, Any]:
        if data.statement is not None:
            statement = data.statement
            view = task_approvals.approve(
                principal, task_id, _signed(statement.kind, statement.body, statement.key, statement.sig)
            )
        elif data.password is not None:
            view = task_approvals.approve_with_password(principal, task_id, data.password, data.budget_minor)
        else:
            raise Refused("send {password} (custodial key) or {statement} (a task.approval signed by your own key)")
        return {"approval": approval_json(view), "task": ceiling_json(task_approvals.standing(task_id))}


class AwaitingApprovalApi(Controller):
    path = "/api/task-approvals"
    tags = ["tasks"]

    @get("/awaiting", guards=[auth.member], summary="Open tasks awaiting a second steward", sync_to_thread=True)
    def awaiting(self, task_approvals: NamedDependency[TaskApprovals]) -> list[dict[str, Any]]:
        return [ceiling_json(s) for s in task_approvals.awaiting()]


class RevenueReportsApi(Controller):
    path = "/api/revenue-reports"
    tags = ["money"]

    @get(
        "/",
        guards=[auth.member],
        summary="Downstream revenue stewards reported: pending a second steward, or confirmed (newest first)",
        sync_to_thread=True,
    )
    def reports(
        self,
        principal: SignedIn,
        revenue_reports: NamedDependency[RevenueReports],
        status: FromQuery[str | None] = None,
    ) -> list[dict[str, Any]]:
        return [report_json(r) for r in revenue_reports.list(principal, status or None)]

    @get("/{report_id:str}", guards=[auth.member], summary="One revenue report", sync_to_thread=True)
    def report(
        self, principal: SignedIn, revenue_reports: NamedDependency[RevenueReports], report_id: FromPath[str]
    ) -> dict[str, Any]:
        return report_json(revenue_reports.get(principal, report_id))

    @get(
        "/{report_id:str}/confirmation-body",
        guards=[auth.steward],
        summary="The revenue.confirmation body to sign with your own key",
        sync_to_thread=True,
    )
    def confirmation_body(
        self, principal: SignedIn, revenue_reports: NamedDependency[RevenueReports], report_id: FromPath[str]
    ) -> dict[str, Any]:
        return revenue_reports.confirmation_body(principal, report_id)

    @post(
        "/{report_id:str}/confirmations",
        guards=[auth.steward],
        summary="Confirm another steward's revenue report, which posts and shares it: {password} or {statement}",
        description="The reporting steward is refused (403). Confirming again answers the first confirmation.",
        sync_to_thread=True,
        status_code=200,
    )
    def confirm(
        self,
        principal: SignedIn,
        revenue_reports: NamedDependency[RevenueReports],
        report_id: FromPath[str],
        data: JSONBody[RevenueConfirmationIn],
    ) -> dict[str, Any]:
        if data.statement is not None:
            s = data.statement
            view = revenue_reports.confirm(principal, report_id, _signed(s.kind, s.body, s.key, s.sig))
        elif data.password is not None:
            view = revenue_reports.confirm_with_password(principal, report_id, data.password)
        else:
            raise Refused(
                "send {password} (custodial key) or {statement} (a revenue.confirmation signed by your own key)"
            )
        return report_json(view)


SECOND_HAND_API = [TaskApprovalApi, AwaitingApprovalApi, RevenueReportsApi]
