"""Portal pages for reviewers: the queue, claiming work, reviewing it against its rubric, and
declaring a conflict of interest."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from coop.kernel.principal import Principal
from coop.work.appeals import AppealService
from coop.work.contributions import ContributionService
from coop.work.reviews import ReviewService
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.portal.common import Form, Req, int_value, page, page_window, pager, redirect_done, text_value


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
        appeals: NamedDependency[AppealService],
        done: FromQuery[str | None] = None,
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
    ) -> Template:
        number = max(1, page_number)
        items, total = reviews.queue_page(principal, *page_window(number))
        rates = {r.reviewer_id: r for r in appeals.overturn_rates()}
        return page(
            request,
            "reviews.html",
            items=items,
            my_rate=rates.get(principal.account_id),
            done=done,
            **pager(number, total),
        )

    @staticmethod
    def _form(
        request: Req,
        principal: Principal,
        reviews: ReviewService,
        contributions: ContributionService,
        contribution_id: str,
        status: int = 200,
        errors: dict[str, str] | None = None,
        done: str | None = None,
    ) -> Template:
        """The review form once the reviewer has claimed the work; before, only a button to claim it
        (the content is for assigned reviewers, and a GET never claims: another site could link it).
        Before scoring it shows, for an answer to an item, the item as its author saw it, the
        answer in words and the task's answer spec (a rubric's anchors) and guidelines; then the
        rubric's scales and the acceptance rule in words; the other reviews only once this
        reviewer's own is in (the service keeps them blind until then)."""
        claimed = reviews.claimed(principal, contribution_id)
        c = contributions.get_for_review(contribution_id)
        if not claimed:
            return page(request, "review.html", status_code=status, c=c, claimed=False, errors=errors or {}, done=done)
        content, _ = contributions.content(principal, contribution_id)
        return page(
            request,
            "review.html",
            status_code=status,
            c=c,
            claimed=True,
            content=content.decode("utf-8", "replace"),
            answered=contributions.answered_item(principal, contribution_id),
            rubric=reviews.rubric_for(contribution_id),
            acceptance_rule=reviews.acceptance_rule(contribution_id),
            others=reviews.reviews_seen_by(principal, contribution_id),
            errors=errors or {},
            done=done,
        )

    @get("/{contribution_id:str}", sync_to_thread=True)
    def form(
        self,
        request: Req,
        principal: SignedIn,
        reviews: NamedDependency[ReviewService],
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return self._form(request, principal, reviews, contributions, contribution_id, done=done)

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
            scores = {c["name"]: int_value(data, f"score-{c['name']}", c["name"]) for c in rubric["criteria"]}
            decision = reviews.review(principal, contribution_id, scores, text_value(data, "feedback"))
        except USER_ERRORS as error:
            return self._form(
                request, principal, reviews, contributions, contribution_id, status_for(error), {"_form": str(error)}
            )
        message = f"Review recorded: {decision.outcome} ({decision.reason})."
        if text_value(data, "then") == "next":
            return _next(principal, reviews, message)
        return redirect_done("/reviews", message)

    @post("/conflicts", sync_to_thread=True)
    def conflict(self, principal: SignedIn, reviews: NamedDependency[ReviewService], data: Form) -> Redirect:
        reviews.declare_conflict_with_author_of(principal, text_value(data, "contribution_id"))
        return redirect_done("/reviews", "Conflict declared: that author's work will not be offered to you.")


def _next(principal: Principal, reviews: ReviewService, message: str) -> Redirect:
    """Submit & next: claim the oldest work left in the queue and open its form (this is a POST
    the reviewer sent, so claiming is theirs to ask); the queue when nothing is left, or when the
    next work was taken out of review in the meantime."""
    upcoming, _ = reviews.queue_page(principal, 0, 1)
    if not upcoming:
        return redirect_done("/reviews", f"{message} Nothing is left in your queue.")
    next_id = upcoming[0].contribution_id
    try:
        reviews.claim(principal, next_id)
    except USER_ERRORS:
        return redirect_done("/reviews", message)
    return redirect_done(f"/reviews/{next_id}", message)
