"""Portal pages for tasks: the list, opening one (stewards, above the pay floor), raising its rate,
and submitting work to it. Pay is typed in major units of the task's currency ("12.50") and stored
as integer minor units (1250); a bad amount is refused next to its field."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Redirect, Template

from coop.kernel.settings import Settings
from coop.rules import consent
from coop.rules.review import TASK_KINDS
from coop.work.answer_specs import AnswerSpecService
from coop.work.contributions import MEDIA_TYPES, ContributionService
from coop.work.task_approvals import TaskApprovals
from coop.work.tasks import TaskService, TaskSpec
from governance.policies import PolicyService
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.portal.common import (
    Form,
    Req,
    amount_value,
    currency_value,
    errors_at,
    int_value,
    is_htmx,
    list_value,
    page,
    redirect_done,
    text_value,
)
from web.portal.item_work import spec_or_none


class TaskPages(Controller):
    path = "/tasks"
    include_in_schema = False

    @get("/", guards=[auth.member], sync_to_thread=True)
    def list_tasks(
        self,
        request: Req,
        tasks: NamedDependency[TaskService],
        status: FromQuery[str] = "open",
        done: FromQuery[str | None] = None,
    ) -> Template:
        return page(request, "tasks.html", tasks=tasks.list(status or None), status=status, done=done)

    @staticmethod
    def _new_form(
        request: Req,
        policies: PolicyService,
        status: int = 200,
        errors: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        floor = policies.in_force("pay-floor")
        return page(
            request,
            "task_new.html",
            status_code=status,
            errors=errors or {},
            values=values or {"currency": "EUR"},
            floors=floor.body["hourly_minimum"],
            floor_version=floor.version,
            kinds=TASK_KINDS,
            uses=consent.USES,
        )

    @get("/new", guards=[auth.steward], sync_to_thread=True)
    def new_form(self, request: Req, policies: NamedDependency[PolicyService]) -> Template:
        return self._new_form(request, policies)

    @post("/new", guards=[auth.steward], sync_to_thread=True)
    def open_task(
        self,
        request: Req,
        principal: SignedIn,
        tasks: NamedDependency[TaskService],
        policies: NamedDependency[PolicyService],
        data: Form,
    ) -> Template | Redirect:
        values: dict[str, Any] = {
            k: text_value(data, k)
            for k in (
                "project",
                "buyer_org",
                "title",
                "instructions",
                "kind",
                "unit",
                "minutes_per_unit",
                "pay_per_unit",
                "currency",
            )
        }
        values["intended_uses"] = list_value(data, "intended_uses")
        try:
            currency = currency_value(data)
            pay = amount_value(data, "pay_per_unit", currency, "pay per unit")
            spec = TaskSpec(
                project=values["project"],
                title=values["title"],
                instructions=values["instructions"],
                kind=values["kind"],
                unit=values["unit"],
                minutes_per_unit=int_value(data, "minutes_per_unit", "minutes per unit"),
                pay_per_unit=pay,
                currency=currency,
                intended_uses=values["intended_uses"],
                buyer_org=values["buyer_org"].strip() or None,
            )
            task = tasks.open(principal, spec)
        except USER_ERRORS as error:
            return self._new_form(request, policies, status_for(error), errors_at(error), values)
        return redirect_done(f"/tasks/{task.id}", "The task is open.")

    @staticmethod
    def _task_page(
        request: Req,
        tasks: TaskService,
        policies: PolicyService,
        settings: Settings,
        task_approvals: TaskApprovals,
        task_id: str,
        status: int = 200,
        **extra: Any,
    ) -> Template:
        task = tasks.get(task_id)
        extra.setdefault("ceiling", task_approvals.standing(task_id))  # awaiting a second steward's approval?
        rubric = policies.version(task.rubric, task.rubric_version).body
        defaults = policies.in_force("consent-rules").body["default_terms"]
        return page(
            request,
            "task.html",
            status_code=status,
            task=task,
            rubric=rubric,
            uses=consent.USES,
            sectors=consent.SECTORS,
            default_terms=defaults,
            media_types=MEDIA_TYPES,
            max_mb=settings.max_content_bytes // (1024 * 1024),
            errors=extra.pop("errors", {}),
            values=extra.pop("values", {}),
            **extra,
        )

    @get("/{task_id:str}", guards=[auth.member], sync_to_thread=True)
    def task(
        self,
        request: Req,
        tasks: NamedDependency[TaskService],
        policies: NamedDependency[PolicyService],
        settings: NamedDependency[Settings],
        task_approvals: NamedDependency[TaskApprovals],
        answer_specs: NamedDependency[AnswerSpecService],
        task_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        spec = spec_or_none(answer_specs, task_id)
        return self._task_page(request, tasks, policies, settings, task_approvals, task_id, done=done, answer_spec=spec)

    @post("/{task_id:str}/rate", guards=[auth.steward], sync_to_thread=True)
    def raise_rate(
        self,
        request: Req,
        principal: SignedIn,
        tasks: NamedDependency[TaskService],
        policies: NamedDependency[PolicyService],
        settings: NamedDependency[Settings],
        task_approvals: NamedDependency[TaskApprovals],
        task_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        try:
            rate = amount_value(data, "pay_per_unit", tasks.get(task_id).currency, "the new rate")
            tasks.raise_rate(principal, task_id, rate)
        except USER_ERRORS as error:
            return self._task_page(
                request,
                tasks,
                policies,
                settings,
                task_approvals,
                task_id,
                status_for(error),
                errors=errors_at(error),
                values={"pay_per_unit": text_value(data, "pay_per_unit")},
            )
        return redirect_done(f"/tasks/{task_id}", "The rate is raised.")

    @post("/{task_id:str}/submit", guards=[auth.member], sync_to_thread=True)
    def submit(
        self,
        request: Req,
        principal: SignedIn,
        tasks: NamedDependency[TaskService],
        policies: NamedDependency[PolicyService],
        settings: NamedDependency[Settings],
        task_approvals: NamedDependency[TaskApprovals],
        contributions: NamedDependency[ContributionService],
        task_id: FromPath[str],
        data: MultipartBody[dict[str, Any]],
    ) -> Template | Redirect:
        upload = data.get("file")
        values = {"content": text_value(data, "content"), "minutes": text_value(data, "minutes")}
        draft = None
        try:
            if isinstance(upload, UploadFile) and upload.filename:
                content = upload.file.read(settings.max_content_bytes + 1)
            else:
                content = values["content"].encode("utf-8")
            terms = {
                "permitted_uses": list_value(data, "permitted_uses"),
                "excluded_sectors": list_value(data, "excluded_sectors"),
                "expires": None,
            }
            draft = contributions.draft(
                principal,
                task_id,
                content,
                text_value(data, "media_type") or "text/plain",
                int_value(data, "minutes", "minutes"),
                terms,
            )
            if text_value(data, "action") == "draft":
                result, message = draft, "Saved as a draft."
            else:
                result, message = (
                    contributions.submit_with_password(principal, draft.id, text_value(data, "password")),
                    "Signed and submitted for review.",
                )
        except USER_ERRORS as error:
            status = status_for(error)
            message = str(error)
            if draft is not None:  # the work itself is safe: say where it is, so a retry signs that draft
                message += " — your work is saved as a draft; sign it from its page."
            if is_htmx(request):
                return page(request, "partials/submit_result.html", status_code=status, error=message, draft=draft)
            return self._task_page(
                request,
                tasks,
                policies,
                settings,
                task_approvals,
                task_id,
                status,
                errors={"_form": message},
                values=values,
                draft=draft,
            )
        if is_htmx(request):
            return page(request, "partials/submit_result.html", status_code=201, message=message, contribution=result)
        return redirect_done(f"/contributions/{result.id}", message)
