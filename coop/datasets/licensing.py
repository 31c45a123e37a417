"""Which items of a release a buyer may license for a declared use, and what the license records.

Each item is checked again at the time of licensing, for the buyer's uses and sector under the
consent rules in force: revocations before that moment bind the license, revocations after do not
(coop.rules.consent). What the revenue formula will weigh — each item's base pay, units and minutes,
and each reviewer's reviews of the licensed items — is recorded with the license, so every later
revenue event of it is shared over the same items.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, literal, select
from sqlalchemy.orm import Session

from coop.datasets.models import LicenseItem, LicenseReviewer, ReleaseItem
from coop.rules import consent
from coop.work.models import Acceptance, ConsentRevocation, Contribution, Review


@dataclass(frozen=True)
class Licensable:
    """A release item whose consent permits the declared use, with what the revenue formula weighs."""

    contribution_id: str
    entry: int
    content_sha256: str
    author_id: str
    base_pay: int
    units: int
    minutes: int


def licensable_items(
    session: Session, release_id: str, uses: Sequence[str], sector: str | None, rules: Mapping[str, Any], now: datetime
) -> tuple[Counter[str], list[Licensable]]:
    """(left-out items counted by their first reason, the licensable items) of the release, in entry order."""
    rows = session.execute(
        select(ReleaseItem, Contribution, Acceptance.pay_per_unit)
        .join(Contribution, Contribution.id == ReleaseItem.contribution_id)
        .join(Acceptance, Acceptance.contribution_id == Contribution.id)
        .where(ReleaseItem.release_id == release_id)
        .order_by(ReleaseItem.entry)
    ).all()
    revocations = (  # a join, not an IN list: PostgreSQL takes at most 65,535 parameters (a 100k release)
        select(ConsentRevocation.contribution_id)
        .join(ReleaseItem, ReleaseItem.contribution_id == ConsentRevocation.contribution_id)
        .where(ReleaseItem.release_id == release_id, ConsentRevocation.revoked_at <= now)
    )
    revoked = set(session.scalars(revocations))
    excluded: Counter[str] = Counter()
    included = []
    for item, contribution, pay_per_unit in rows:
        terms = json.loads(contribution.terms)
        reasons = consent.refusals(terms, rules, uses, sector, now.date(), contribution.id in revoked)
        if reasons:
            excluded.update(reasons[:1])
        else:
            assert contribution.content_sha256 is not None  # released work always has its content
            included.append(
                Licensable(
                    contribution.id,
                    item.entry,
                    contribution.content_sha256,
                    contribution.author_id,
                    pay_per_unit * contribution.units,
                    contribution.units,
                    contribution.minutes,
                )
            )
    return excluded, included


def pro_rata(price: int, included: int, total: int) -> int:
    """The subset's price: the release price × included ÷ total, rounded down (in the buyer's favour)."""
    return price * included // total if total else 0


def record_weights(session: Session, license_id: str, included: Sequence[Licensable]) -> None:
    """Store what the revenue formula weighs for this license: its items, and every review of them
    (any verdict) counted per reviewer."""
    session.execute(
        insert(LicenseItem),
        [
            {
                "license_id": license_id,
                "contribution_id": item.contribution_id,
                "entry": item.entry,
                "author_id": item.author_id,
                "base_pay": item.base_pay,
                "units": item.units,
                "minutes": item.minutes,
            }
            for item in included
        ],
    )
    reviews = (
        select(literal(license_id), Review.reviewer_id, func.count())
        .join(LicenseItem, LicenseItem.contribution_id == Review.contribution_id)
        .where(LicenseItem.license_id == license_id)
        .group_by(Review.reviewer_id)
    )
    session.execute(insert(LicenseReviewer).from_select(["license_id", "reviewer_id", "accepted_reviews"], reviews))


def accepted_contributions(session: Session, task_ids: Sequence[str]) -> list[tuple[Contribution, Acceptance, bool]]:
    """Every accepted contribution of these tasks, with whether its consent was ever revoked (a
    release is cut from these)."""
    rows = session.execute(
        select(Contribution, Acceptance)
        .join(Acceptance, Acceptance.contribution_id == Contribution.id)
        .where(Contribution.task_id.in_(list(task_ids)))
    ).all()
    revoked = set(  # a join, not an IN list of every contribution: PostgreSQL takes at most 65,535 parameters
        session.scalars(
            select(ConsentRevocation.contribution_id)
            .join(Contribution, Contribution.id == ConsentRevocation.contribution_id)
            .join(Acceptance, Acceptance.contribution_id == Contribution.id)
            .where(Contribution.task_id.in_(list(task_ids)))
        )
    )
    return [(c, a, c.id in revoked) for c, a in rows]


def revoked_meanwhile(session: Session, included: Sequence[Licensable]) -> list[str]:
    """Contributions among `included` whose consent is revoked now. Called once the license's log
    entry holds the log's lock: a revocation that committed between the consent check and that
    moment would otherwise bind a license logged after it without being honoured (on SQLite writers
    already take turns, so this finds nothing there)."""
    ids = [item.contribution_id for item in included]
    found: list[str] = []
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        found += session.scalars(
            select(ConsentRevocation.contribution_id).where(ConsentRevocation.contribution_id.in_(part))
        ).all()
    return found
