"""JSON API for reviewers: the queue, claiming, reviewing against the rubric, stewards assigning
reviewers, conflicts of interest: the same services the portal calls."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from coop.kernel.errors import NotFound
from coop.membership.service import MembershipService
from coop.work.reviews import ReviewService
from web import auth
from web.auth import SignedIn
from web.inputs import Small


class ReviewIn(msgspec.Struct):
    scores: dict[str, Small]
    feedback: str = ""


class AssignIn(msgspec.Struct):
    reviewer_id: str


class ConflictIn(msgspec.Struct):
    author_id: str


class ReviewsApi(Controller):
    path = "/api/reviews"
    tags = ["reviews"]
    guards = [auth.reviewer]

    @get("/queue", summary="Work I may review", sync_to_thread=True)
    def queue(self, principal: SignedIn, reviews: NamedDependency[ReviewService]) -> list[dict[str, Any]]:
        return [{**asdict(i), "submitted_at": i.submitted_at.isoformat()} for i in reviews.queue(principal)]

    @get("/{contribution_id:str}/rubric", sync_to_thread=True)
    def rubric(self, reviews: NamedDependency[ReviewService], contribution_id: FromPath[str]) -> dict[str, Any]:
        return reviews.rubric_for(contribution_id)

    @get("/{contribution_id:str}/acceptance-rule", summary="The acceptance rule in words", sync_to_thread=True)
    def acceptance_rule(self, reviews: NamedDependency[ReviewService], contribution_id: FromPath[str]) -> list[str]:
        return reviews.acceptance_rule(contribution_id)

    @get("/{contribution_id:str}/reviews", summary="Others' reviews, once mine is in (blind)", sync_to_thread=True)
    def reviews_seen(
        self, principal: SignedIn, reviews: NamedDependency[ReviewService], contribution_id: FromPath[str]
    ) -> list[dict[str, Any]]:
        return reviews.reviews_seen_by(principal, contribution_id)

    @post("/{contribution_id:str}/claim", sync_to_thread=True, status_code=200)
    def claim(
        self, principal: SignedIn, reviews: NamedDependency[ReviewService], contribution_id: FromPath[str]
    ) -> dict[str, Any]:
        reviews.claim(principal, contribution_id)
        return {"claimed": contribution_id}

    @post("/{contribution_id:str}", summary="Review against the rubric", sync_to_thread=True, status_code=200)
    def review(
        self,
        principal: SignedIn,
        reviews: NamedDependency[ReviewService],
        contribution_id: FromPath[str],
        data: JSONBody[ReviewIn],
    ) -> dict[str, Any]:
        decision = reviews.review(principal, contribution_id, data.scores, data.feedback)
        return asdict(decision)

    @post(
        "/{contribution_id:str}/assign",
        guards=[auth.steward],
        summary="Assign a reviewer (stewards)",
        sync_to_thread=True,
        status_code=200,
    )
    def assign(
        self,
        principal: SignedIn,
        reviews: NamedDependency[ReviewService],
        members: NamedDependency[MembershipService],
        contribution_id: FromPath[str],
        data: JSONBody[AssignIn],
    ) -> dict[str, Any]:
        reviewer = members.principal(data.reviewer_id)
        if reviewer is None:
            raise NotFound(f"no member {data.reviewer_id}")
        reviews.assign(principal, contribution_id, reviewer)
        return {"assigned": data.reviewer_id}

    @post("/conflicts", summary="Declare a conflict of interest with an author", sync_to_thread=True, status_code=200)
    def conflict(
        self, principal: SignedIn, reviews: NamedDependency[ReviewService], data: JSONBody[ConflictIn]
    ) -> dict[str, Any]:
        reviews.declare_conflict(principal, data.author_id)
        return {"declared": data.author_id}
