"""Licenses and revenue events as an outsider reads them: every figure of a split with the public
inputs it was computed from, so anyone allowed to read an event recomputes every share with their
own code (docs/revenue-formula.md, "Recomputing an event").

Who reads: the licensee's organisation and the co-op's members (stewards among them). Members are
paid from these events and may check them; another organisation is told nothing (404, as for a
license it does not hold). Contributors appear as the key id of the key that signed the
contribution; reviewers as the key id of the first key they registered (their member id, itself a
pseudonym in the log, when they have none) — never a name or an email.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.datasets.models import License, LicenseItem
from coop.datasets.revenue import RevenueService
from coop.datasets.share_inputs import reviewer_inputs
from coop.datasets.views import LicenseView, license_view
from coop.kernel.errors import NotFound
from coop.kernel.principal import Principal
from coop.work.models import Contribution
from ledger.formula import REVIEWER
from ledger.models import RevenueEvent
from provenance.core.signing import key_id


def may_read(viewer: Principal, row: License) -> bool:
    return viewer.in_good_standing or (viewer.org_id is not None and viewer.org_id == row.buyer_org_id)


def readable_license(engine: Engine, viewer: Principal, license_id: str) -> LicenseView:
    with Session(engine) as session:
        row = session.get(License, license_id)
        if row is None or not may_read(viewer, row):
            raise NotFound(f"you have no license {license_id}")
        return license_view(session, row)


def event_summary(event: RevenueEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "license_id": event.license_id,
        "kind": event.kind,
        "amount": event.amount,
        "currency": event.currency,
        "description": event.description,
        "formula_version": event.formula_version,
        "created_at": event.created_at.isoformat(),
    }


def readable_events(engine: Engine, viewer: Principal, license_id: str | None) -> list[dict[str, Any]]:
    """Members: every event (optionally of one license); a buyer: its organisation's licenses' events."""
    with Session(engine) as session:
        query = select(RevenueEvent).join(License, License.id == RevenueEvent.license_id).order_by(RevenueEvent.id)
        if license_id is not None:
            query = query.where(RevenueEvent.license_id == license_id)
        if not viewer.in_good_standing:
            if viewer.org_id is None:
                return []
            query = query.where(License.buyer_org_id == viewer.org_id)
        return [event_summary(e) for e in session.scalars(query)]


def event_split(engine: Engine, revenue: RevenueService, viewer: Principal, event_id: int) -> dict[str, Any]:
    """The event, its pools as stored, every contribution's inputs and share (recomputed by the
    reference split, which the stored per-member totals are tested against) and every reviewer's
    inputs and stored cents. O(contributions of the license): for audits, not for listings."""
    with Session(engine) as session:
        event = session.get(RevenueEvent, event_id)
        row = session.get(License, event.license_id) if event is not None else None
        if event is None or row is None or not may_read(viewer, row):
            raise NotFound(f"you have no revenue event {event_id}")
        stored = json.loads(event.split)
        threshold = stored.get("reviewer_threshold")
        public_ties = not (threshold and isinstance(threshold[1], str))
        authors = dict(
            session.execute(
                select(LicenseItem.entry, Contribution.public_key)
                .join(Contribution, Contribution.id == LicenseItem.contribution_id)
                .where(LicenseItem.license_id == row.id)
            ).all()
        )
        reviewers = reviewer_inputs(session, row.id)
        summary = event_summary(event)
    full = revenue.full_split(event_id)
    cents = {m.member: m.cents for m in revenue.summaries(event_id) if m.pool == REVIEWER}
    pools = ("reserve", "reviewer_pool", "reviewer_pool_redirected", "contributor_pool")
    return {
        **summary,
        "formula": stored["formula"],
        **{name: stored[name] for name in pools},
        "contributor_weight": full.contributor_weight,
        "reviewer_weight": full.reviewer_weight,
        "reviewer_ties": "first review entry, then key id" if public_ties else "member id (shared before 0027)",
        "contributions": [
            {
                "log_index": share.log_index,
                "author_key": _key_id(authors.get(share.log_index or 0)),
                "weight": share.weight,
                "amount": share.amount,
            }
            for share in full.contributor_shares
        ],
        "reviewers": [
            {
                "key_id": r.name,
                "reviews": r.accepted_reviews,
                "first_review_entry": r.first_entry,
                "amount": cents.get(r.reviewer, 0),
            }
            for r in sorted(reviewers, key=lambda r: (r.first_entry or 0, r.name or ""))
        ]
        if stored["reviewer_pool"]
        else [],
    }


def _key_id(public_key: bytes | None) -> str | None:
    """The key id of the key that signed a contribution (a draft never licensed has none)."""
    return key_id(bytes(public_key)) if public_key else None
