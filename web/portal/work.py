"""Portal pages for tasks, contributions, receipts and reviews."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from coop.kernel.principal import Principal
from coop.kernel.settings import Settings
from coop.rules import consent
from coop.rules.review import TASK_KINDS
from coop.work.contributions import MEDIA_TYPES, ContributionService
from coop.work.reviews import ReviewService
from coop.work.tasks import TaskService, TaskSpec
from governance.policies import PolicyService
from provenance.receipts import ReceiptDoesNotVerify, verify_receipt
from provenance.service import ProvenanceLog
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.inputs import AMOUNT_MAX, SMALL_MAX, whole_number
from web.portal.common import Req, is_htmx, list_value, page, redirect_done, text_value

Form = URLEncodedBody[dict[str, Any]]
PAGE_SIZE = 50  # rows per page of a member's contributions and of the review queue


def _pager(number: int, total: int) -> dict[str, int]:
    return {"page": number, "pages": max(1, -(-total // PAGE_SIZE)), "total": total}


def _int(data: dict[str, Any], name: str, label: str, high: int = SMALL_MAX) -> int:
    return whole_number(text_value(data, name), label, 0, high)


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
            spec = TaskSpec(
                project=values["project"],
                title=values["title"],
                instructions=values["instructions"],
                kind=values["kind"],
                unit=values["unit"],
                minutes_per_unit=_int(data, "minutes_per_unit", "minutes per unit"),
                pay_per_unit=_int(data, "pay_per_unit", "pay per unit", AMOUNT_MAX),
                currency=values["currency"].strip().upper(),
                intended_uses=values["intended_uses"],
                buyer_org=values["buyer_org"].strip() or None,
            )
            task = tasks.open(principal, spec)
        except USER_ERRORS as error:
            return self._new_form(request, policies, status_for(error), {"_form": str(error)}, values)
        return redirect_done(f"/tasks/{task.id}", "The task is open.")

    @staticmethod
    def _task_page(
        request: Req,
        tasks: TaskService,
        policies: PolicyService,
        settings: Settings,
        task_id: str,
        status: int = 200,
        **extra: Any,
    ) -> Template:
        task = tasks.get(task_id)
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
        task_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return self._task_page(request, tasks, policies, settings, task_id, done=done)

    @post("/{task_id:str}/rate", guards=[auth.steward], sync_to_thread=True)
    def raise_rate(
        self,
        request: Req,
        principal: SignedIn,
        tasks: NamedDependency[TaskService],
        policies: NamedDependency[PolicyService],
        settings: NamedDependency[Settings],
        task_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        try:
            tasks.raise_rate(principal, task_id, _int(data, "pay_per_unit", "the new rate", AMOUNT_MAX))
        except USER_ERRORS as error:
            return self._task_page(
                request, tasks, policies, settings, task_id, status_for(error), errors={"_form": str(error)}
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
                _int(data, "minutes", "minutes"),
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
                task_id,
                status,
                errors={"_form": message},
                values=values,
                draft=draft,
            )
        if is_htmx(request):
            return page(request, "partials/submit_result.html", status_code=201, message=message, contribution=result)
        return redirect_done(f"/contributions/{result.id}", message)


class ContributionPages(Controller):
    path = "/contributions"
    guards = [auth.member]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def mine(
        self,
        request: Req,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        done: FromQuery[str | None] = None,
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
    ) -> Template:
        number = max(1, page_number)
        rows, total = contributions.mine_page(principal, (number - 1) * PAGE_SIZE, PAGE_SIZE)
        return page(request, "contributions.html", contributions=rows, done=done, **_pager(number, total))

    @get("/{contribution_id:str}", sync_to_thread=True)
    def detail(
        self,
        request: Req,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        c = contributions.get(principal, contribution_id)
        receipt = contributions.receipt(principal, contribution_id) if c.acceptance_index is not None else None
        return page(request, "contribution.html", c=c, receipt=receipt, done=done)

    @get("/{contribution_id:str}/content", sync_to_thread=True)
    def content(
        self, principal: SignedIn, contributions: NamedDependency[ContributionService], contribution_id: FromPath[str]
    ) -> Response[bytes]:
        data, media_type = contributions.content(principal, contribution_id)
        return Response(data, media_type=media_type, headers={"Content-Disposition": "attachment"})

    @get("/{contribution_id:str}/verify", sync_to_thread=True)
    def verify(
        self,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        log: NamedDependency[ProvenanceLog],
        contribution_id: FromPath[str],
    ) -> Response[str]:
        """Check the receipt exactly as an outsider would (provenance.receipts)."""
        receipt = contributions.receipt(principal, contribution_id)
        try:
            size = verify_receipt(log, receipt)
            verdict = (
                f"✔ Verified: entry #{receipt.index} is in the log of {size} entries signed by the co-op key, "
                "consistent with your receipt's checkpoint."
            )
        except ReceiptDoesNotVerify as error:
            verdict = f"✘ Verification failed: {error}"
        return Response(verdict, media_type="text/plain; charset=utf-8")

    @post("/{contribution_id:str}/submit", sync_to_thread=True)
    def submit(
        self,
        request: Req,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        try:
            contributions.submit_with_password(principal, contribution_id, text_value(data, "password"))
        except USER_ERRORS as error:
            return page(
                request, "error.html", status_code=status_for(error), status=status_for(error), detail=str(error)
            )
        return redirect_done(f"/contributions/{contribution_id}", "Signed and submitted for review.")

    @post("/{contribution_id:str}/revise", sync_to_thread=True)
    def revise(
        self, principal: SignedIn, contributions: NamedDependency[ContributionService], contribution_id: FromPath[str]
    ) -> Redirect:
        draft = contributions.revise(principal, contribution_id)
        return redirect_done(f"/contributions/{draft.id}/edit", "A new draft revises your work.")

    @get("/{contribution_id:str}/edit", sync_to_thread=True)
    def edit_form(
        self,
        request: Req,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        c = contributions.get(principal, contribution_id, author_only=True)
        content, _ = contributions.content(principal, contribution_id)
        return page(
            request, "contribution_edit.html", c=c, content=content.decode("utf-8", "replace"), done=done, errors={}
        )

    @post("/{contribution_id:str}/edit", sync_to_thread=True)
    def edit(
        self,
        request: Req,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        c = contributions.get(principal, contribution_id, author_only=True)
        try:
            contributions.edit_draft(
                principal,
                contribution_id,
                text_value(data, "content").encode("utf-8"),
                c.media_type or "text/plain",
                _int(data, "minutes", "minutes"),
                c.terms,
            )
            if text_value(data, "password"):
                contributions.submit_with_password(principal, contribution_id, text_value(data, "password"))
                return redirect_done(f"/contributions/{contribution_id}", "Signed and submitted for review.")
        except USER_ERRORS as error:
            return page(
                request,
                "contribution_edit.html",
                status_code=status_for(error),
                c=c,
                content=text_value(data, "content"),
                errors={"_form": str(error)},
            )
        return redirect_done(f"/contributions/{contribution_id}/edit", "Draft saved.")

    @post("/{contribution_id:str}/revoke-consent", sync_to_thread=True)
    def revoke(
        self,
        request: Req,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        try:
            index = contributions.revoke_consent_with_password(principal, contribution_id, text_value(data, "password"))
        except USER_ERRORS as error:
            return page(
                request, "error.html", status_code=status_for(error), status=status_for(error), detail=str(error)
            )
        return redirect_done(f"/contributions/{contribution_id}", f"Consent revoked (log entry #{index}).")


class ReviewPages(Controller):
    path = "/reviews"
    guards = [auth.reviewer]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def queue(
        self,
        request: Req,
        principal: SignedIn,
        reviews: NamedDependency[ReviewService],
        done: FromQuery[str | None] = None,
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
    ) -> Template:
        number = max(1, page_number)
        items, total = reviews.queue_page(principal, (number - 1) * PAGE_SIZE, PAGE_SIZE)
        return page(request, "reviews.html", items=items, done=done, **_pager(number, total))

    @staticmethod
    def _form(
        request: Req,
        principal: Principal,
        reviews: ReviewService,
        contributions: ContributionService,
        contribution_id: str,
        status: int = 200,
        errors: dict[str, str] | None = None,
    ) -> Template:
        """The review form once the reviewer has claimed the work; before, only a button to claim it
        (the content is for assigned reviewers, and a GET never claims: another site could link it)."""
        claimed = reviews.claimed(principal, contribution_id)
        c = contributions.get_for_review(contribution_id)
        if not claimed:
            return page(request, "review.html", status_code=status, c=c, claimed=False, errors=errors or {})
        content, _ = contributions.content(principal, contribution_id)
        return page(
            request,
            "review.html",
            status_code=status,
            c=c,
            claimed=True,
            content=content.decode("utf-8", "replace"),
            rubric=reviews.rubric_for(contribution_id),
            errors=errors or {},
        )

    @get("/{contribution_id:str}", sync_to_thread=True)
    def form(
        self,
        request: Req,
        principal: SignedIn,
        reviews: NamedDependency[ReviewService],
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
    ) -> Template:
        return self._form(request, principal, reviews, contributions, contribution_id)

    @post("/{contribution_id:str}/claim", sync_to_thread=True)
    def claim(
        self, principal: SignedIn, reviews: NamedDependency[ReviewService], contribution_id: FromPath[str]
    ) -> Redirect:
        reviews.claim(principal, contribution_id)
        return Redirect(f"/reviews/{contribution_id}", status_code=303)

    @post("/{contribution_id:str}", sync_to_thread=True)
    def review(
        self,
        request: Req,
        principal: SignedIn,
        reviews: NamedDependency[ReviewService],
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        rubric = reviews.rubric_for(contribution_id)
        try:
            scores = {c["name"]: _int(data, f"score-{c['name']}", c["name"]) for c in rubric["criteria"]}
            decision = reviews.review(principal, contribution_id, scores, text_value(data, "feedback"))
        except USER_ERRORS as error:
            return self._form(
                request, principal, reviews, contributions, contribution_id, status_for(error), {"_form": str(error)}
            )
        return redirect_done("/reviews", f"Review recorded: {decision.outcome} ({decision.reason}).")

    @post("/conflicts", sync_to_thread=True)
    def conflict(self, principal: SignedIn, reviews: NamedDependency[ReviewService], data: Form) -> Redirect:
        reviews.declare_conflict_with_author_of(principal, text_value(data, "contribution_id"))
        return redirect_done("/reviews", "Conflict declared: that author's work will not be offered to you.")
