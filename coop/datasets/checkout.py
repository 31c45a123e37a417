"""What a checkout confirms, and what an organisation already owns.

A buyer sees a quote — the licensable item count, the total and the license terms version for their
declared uses and sector — and confirms exactly that. By the time the confirmation arrives the quote
may no longer hold (a contributor withdrew consent, the terms gained a version): the license is then
refused with a 409 that says what changed, and the buyer looks again. Nothing is granted on terms
or at a price the buyer did not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.datasets.models import License
from coop.datasets.terms import Terms
from coop.kernel.errors import Conflict
from ledger.books import format_minor


@dataclass(frozen=True)
class Confirmation:
    """The quote a buyer confirmed: terms version, licensable items and the total in minor units."""

    terms_version: int
    items: int
    total: int

    def as_dict(self) -> dict[str, Any]:
        return {"terms_version": self.terms_version, "items": self.items, "total": self.total}

    def check(self, current: Terms, items: int, total: int, currency: str) -> None:
        """Refuse (409) a confirmation of anything but the terms, count and total in force now."""
        if self.terms_version != current.version:
            raise Conflict(
                f"you accepted license terms version {self.terms_version}, but version {current.version} is in "
                "force: read the terms again and confirm them"
            )
        if (self.items, self.total) != (items, total):
            raise Conflict(
                f"the quote changed since you saw it: {items} items for {format_minor(total, currency)} now, "
                f"not {self.items} items for {format_minor(self.total, currency)}; "
                "check again and confirm the new total"
            )


def owned(session: Session, org_id: str, release_id: str) -> list[License]:
    """The organisation's licenses of this release, oldest first."""
    query = select(License).where(License.buyer_org_id == org_id, License.release_id == release_id)
    return list(session.scalars(query.order_by(License.created_at, License.id)))


def owned_releases(session: Session, org_id: str) -> dict[str, int]:
    """Release id → how many licenses of it the organisation holds."""
    counts: dict[str, int] = {}
    for release_id in session.scalars(select(License.release_id).where(License.buyer_org_id == org_id)):
        counts[release_id] = counts.get(release_id, 0) + 1
    return counts
