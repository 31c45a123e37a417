"""JSON API to read one license, the revenue events of licenses and each event's split with its
public inputs: what an outsider needs to recompute every share (coop.datasets.revenue_reading says
who may read what, and why)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from sqlalchemy import Engine

from coop.datasets import revenue_reading
from coop.datasets.revenue import RevenueService
from web import auth
from web.auth import SignedIn
from web.inputs import RowId

READERS = "Members of the co-op and the licensee's organisation; anyone else gets 404."


class RevenueReadingApi(Controller):
    path = "/api"
    tags = ["money"]
    guards = [auth.signed_in]

    @get(
        "/licenses/{license_id:str}",
        summary="One license: its release, licensee organisation, declared uses, price and items",
        description=READERS,
        sync_to_thread=True,
    )
    def license(
        self, principal: SignedIn, engine: NamedDependency[Engine], license_id: FromPath[str]
    ) -> dict[str, Any]:
        view = asdict(revenue_reading.readable_license(engine, principal, license_id))
        return {**view, "created_at": view["created_at"].isoformat()}

    @get(
        "/revenue-events",
        summary="Revenue events (sales and downstream reports), oldest first, optionally of one license",
        description=READERS,
        sync_to_thread=True,
    )
    def events(
        self, principal: SignedIn, engine: NamedDependency[Engine], license_id: FromQuery[str | None] = None
    ) -> list[dict[str, Any]]:
        return revenue_reading.readable_events(engine, principal, license_id)

    @get(
        "/revenue-events/{event_id:int}",
        summary="One revenue event with its split: pools, every contribution's and reviewer's inputs and share",
        description=READERS
        + " Contributions are named by log index and the key id that signed them; reviewers by key id, with "
        "their review count and the lowest acceptance entry among the licensed contributions they reviewed "
        "(the pool's tie key). Recompute with docs/revenue-formula.md.",
        sync_to_thread=True,
    )
    def event(
        self,
        principal: SignedIn,
        engine: NamedDependency[Engine],
        revenue: NamedDependency[RevenueService],
        event_id: RowId,
    ) -> dict[str, Any]:
        return revenue_reading.event_split(engine, revenue, principal, event_id)


REVENUE_API = [RevenueReadingApi]
