"""Portal pages for a member's own contributions: the list, a draft's edits, signing it, its receipt
(checked as an outsider would) and revoking consent."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from coop.work.appeals import AppealService
from coop.work.contributions import ContributionService
from coop.work.item_answers import ItemAnswerService
from coop.work.member_pay import MemberPayService
from provenance.receipts import ReceiptDoesNotVerify, verify_receipt
from provenance.service import ProvenanceLog
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.portal.common import Form, Req, int_value, page, page_window, pager, redirect_done, text_value


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
        rows, total = contributions.mine_page(principal, *page_window(number))
        return page(request, "contributions.html", contributions=rows, done=done, **pager(number, total))

    @get("/{contribution_id:str}", sync_to_thread=True)
    def detail(
        self,
        request: Req,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        appeals: NamedDependency[AppealService],
        member_pay: NamedDependency[MemberPayService],
        contribution_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        c = contributions.get(principal, contribution_id)
        receipt = contributions.receipt(principal, contribution_id) if c.acceptance_index is not None else None
        appeal = appeals.for_contribution(principal, contribution_id)
        measured = member_pay.measured_seconds(c.id)  # after `get`: only for those who may see it
        return page(
            request, "contribution.html", c=c, receipt=receipt, appeal=appeal, measured_seconds=measured, done=done
        )

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
        item_answers: NamedDependency[ItemAnswerService],
        contribution_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        if item_answers.draft_answer(principal, contribution_id) is not None:  # an answer: its own edit page
            path = f"/contributions/{contribution_id}/answer"
            return redirect_done(path, done) if done else Redirect(path, status_code=303)
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
                int_value(data, "minutes", "minutes"),
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
