"""Portal pages for a draft that answers an item: its edit page shows the item beside the answer
controls of the task's answer kind, filled with the draft's answer (for a revision, the answer the
reviewers sent back), saves a corrected answer and, given the password, signs and submits it (a
member whose key is their own is shown the statement to sign instead: web.portal.own_signing).
Any draft can be deleted: it was never signed nor logged, so no record is lost.

The answer is read from the form as on the item work page (web.portal.item_work) and checked by
coop.work.item_answers; a refused one is shown back beside the form as entered, nothing changed."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from coop.kernel.errors import Conflict
from coop.kernel.principal import Principal
from coop.membership.keys import KeyService
from coop.work.contributions import STATEMENT_KIND, ContributionService
from coop.work.item_answers import DraftAnswer, ItemAnswerService, response_ids
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.portal.common import Form, Req, int_value, list_value, page, redirect_done, text_value
from web.portal.item_work import answer_from_form, form_values
from web.portal.own_signing import own_key_of, pasted_statement, to_sign


class AnswerDraftPages(Controller):
    path = "/contributions/{contribution_id:str}"
    guards = [auth.member]
    include_in_schema = False

    @get("/answer", sync_to_thread=True)
    def edit_form(
        self,
        request: Req,
        principal: SignedIn,
        item_answers: NamedDependency[ItemAnswerService],
        keys: NamedDependency[KeyService],
        contribution_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        draft = _draft(item_answers, principal, contribution_id)
        values = {**form_values(draft.spec.answer_kind, draft.answer), "minutes": draft.contribution.minutes}
        return _page(request, draft, values, own_key=own_key_of(keys, principal), done=done)

    @post("/answer", sync_to_thread=True)
    def edit(
        self,
        request: Req,
        principal: SignedIn,
        item_answers: NamedDependency[ItemAnswerService],
        contributions: NamedDependency[ContributionService],
        keys: NamedDependency[KeyService],
        contribution_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        """Save the corrected answer; with the password (or, for one's own key, the statement
        signed with it), sign and submit it too."""
        draft = _draft(item_answers, principal, contribution_id)
        own_key = own_key_of(keys, principal)
        try:
            answer = answer_from_form(draft.spec, response_ids(draft.item.content), data)
            item_answers.edit_draft(principal, contribution_id, answer, int_value(data, "minutes", "minutes"))
            if own_key is not None and text_value(data, "action") == "sign":
                body = contributions.statement_body(principal, contribution_id, own_key.public_key)
                return _page(request, draft, data, own_key=own_key, to_sign=to_sign(STATEMENT_KIND, body))
            if own_key is not None and text_value(data, "signed").strip():
                shown = text_value(data, "statement_body")
                statement = pasted_statement(text_value(data, "signed"), shown, STATEMENT_KIND, own_key.public_key)
                contributions.submit_signed(principal, contribution_id, statement)
                return redirect_done(f"/contributions/{contribution_id}", "Signed and submitted for review.")
            if own_key is None and text_value(data, "password"):
                contributions.submit_with_password(principal, contribution_id, text_value(data, "password"))
                return redirect_done(f"/contributions/{contribution_id}", "Signed and submitted for review.")
        except USER_ERRORS as error:
            return _page(request, draft, data, status_for(error), own_key=own_key, error=str(error))
        return redirect_done(f"/contributions/{contribution_id}/answer", "Draft saved.")

    @post("/delete", sync_to_thread=True)
    def delete(
        self,
        request: Req,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
    ) -> Template | Redirect:
        """Delete a draft (never submitted work)."""
        try:
            contributions.delete_draft(principal, contribution_id)
        except USER_ERRORS as error:
            status = status_for(error)
            return page(request, "error.html", status_code=status, status=status, detail=str(error))
        return redirect_done("/contributions", "Draft deleted.")


def _draft(item_answers: ItemAnswerService, principal: Principal, contribution_id: str) -> DraftAnswer:
    draft = item_answers.draft_answer(principal, contribution_id)
    if draft is None:
        raise Conflict("this contribution does not answer an item: edit it on its own edit page")
    return draft


def _page(request: Req, draft: DraftAnswer, values: dict[str, Any], status: int = 200, **extra: Any) -> Template:
    return page(
        request,
        "answer_edit.html",
        status_code=status,
        c=draft.contribution,
        item=draft.item,
        spec=draft.spec,
        responses=response_ids(draft.item.content),
        values=values,
        chosen=list_value(values, "labels"),
        own_key=extra.pop("own_key", None),
        to_sign=extra.pop("to_sign", None),
        error=extra.pop("error", None),
        done=extra.pop("done", None),
    )
