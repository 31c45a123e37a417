"""JSON API for appeals of rejected work: the author appeals, a reviewer who took no part decides,
reviewers list the open ones, and members see each reviewer's overturn rate (coop.work.appeals)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from coop.work.appeals import AppealService, AppealView
from web import auth
from web.auth import SignedIn


class AppealIn(msgspec.Struct):
    reason: str


class DecideIn(msgspec.Struct):
    outcome: Literal["upheld", "overturned"]
    reason: str


def appeal_json(appeal: AppealView) -> dict[str, Any]:
    return {
        **asdict(appeal),
        "appealed_at": appeal.appealed_at.isoformat(),
        "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
    }


class ContributionAppealApi(Controller):
    path = "/api/contributions/{contribution_id:str}/appeal"
    tags = ["appeals"]
    guards = [auth.member]

    @post("/", summary="Appeal the rejection of my contribution (once)", sync_to_thread=True)
    def appeal(
        self,
        principal: SignedIn,
        appeals: NamedDependency[AppealService],
        contribution_id: FromPath[str],
        data: JSONBody[AppealIn],
    ) -> dict[str, Any]:
        return appeal_json(appeals.appeal(principal, contribution_id, data.reason))


class AppealsApi(Controller):
    path = "/api/appeals"
    tags = ["appeals"]
    guards = [auth.reviewer]

    @get("/", summary="Open appeals I may decide", sync_to_thread=True)
    def open_appeals(
        self, principal: SignedIn, appeals: NamedDependency[AppealService], status: FromQuery[Literal["open"]] = "open"
    ) -> list[dict[str, Any]]:
        return [appeal_json(a) for a in appeals.open_appeals(principal)]

    @post("/{appeal_id:str}/decide", summary="Uphold or overturn a rejection", sync_to_thread=True, status_code=200)
    def decide(
        self,
        principal: SignedIn,
        appeals: NamedDependency[AppealService],
        appeal_id: FromPath[str],
        data: JSONBody[DecideIn],
    ) -> dict[str, Any]:
        return appeal_json(appeals.decide(principal, appeal_id, data.outcome, data.reason))


class ReviewerRatesApi(Controller):
    path = "/api/reviewers"
    tags = ["appeals"]
    guards = [auth.member]

    @get("/overturn-rates", summary="How often each reviewer's rejections were overturned", sync_to_thread=True)
    def overturn_rates(self, appeals: NamedDependency[AppealService]) -> list[dict[str, Any]]:
        return [{**asdict(r), "percent": r.percent} for r in appeals.overturn_rates()]
