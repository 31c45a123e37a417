"""What a license would be if granted now — every refusal checked — or the license a first request
with the same idempotency key made. Checked twice per license (`DatasetService.license`): once in
a read-only session, before its files are hashed, so a refused or repeated request hashes nothing;
and again in the grant's transaction, which grants only if the items are still the ones hashed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from coop import idempotency
from coop.datasets.checkout import Confirmation, owned
from coop.datasets.licensing import Licensable, pro_rata
from coop.datasets.models import License, Release
from coop.datasets.terms import Terms, terms
from coop.kernel.errors import Conflict
from coop.kernel.principal import Principal


@dataclass(frozen=True)
class Plan:
    """A license as it would be granted: the release, what is excluded and included, price, terms."""

    release: Release
    excluded: Counter[str]
    included: list[Licensable]
    price: int
    accepted: Terms

    @property
    def items(self) -> list[tuple[int, str]]:
        """(entry, contribution id) of each included item: what the license's files are made of."""
        return [(item.entry, item.contribution_id) for item in self.included]


def plan_license(
    session: Session,
    buyer: Principal,
    request: idempotency.ScopedKey,
    evaluate: Callable[[Session], tuple[Release, Counter[str], list[Licensable]]],
    uses: Sequence[str],
    sector: str | None,
    accept_subset: bool,
    again: bool,
    confirmed: Confirmation | None,
) -> License | Plan:
    """The license a request would be granted now, every refusal checked — or the license a
    first request with its key made."""
    assert buyer.org_id is not None
    first = idempotency.first_answer(session, request)
    if first is not None:
        return session.get_one(License, first)
    release, excluded, included = evaluate(session)
    if not included:
        raise Conflict(
            f"no item of this release may be licensed for {', '.join(uses)}"
            + (f" in {sector}" if sector else "")
            + f": {dict(excluded)}"
        )
    if excluded and not accept_subset:
        raise Conflict(
            f"{len(included)} of {release.item_count} items may be licensed for this use "
            f"({dict(sorted(excluded.items()))} excluded); confirm to license the consenting subset"
        )
    price = pro_rata(release.price, len(included), release.item_count)
    accepted = terms()
    if confirmed is not None:
        confirmed.check(accepted, len(included), price, release.currency)
    held = owned(session, buyer.org_id, release.id)
    if held and not again:
        raise Conflict(
            f"your organisation already holds {len(held)} license{'s' if len(held) > 1 else ''} of this "
            f"release (the first granted {held[0].created_at.date().isoformat()}); to license it again for "
            "new declared uses or a new seat, choose to license it again explicitly"
        )
    return Plan(release, excluded, included, price, accepted)
