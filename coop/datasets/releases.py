"""Cutting a release: accepted contributions whose consent permits its intended uses, signed and logged.

The manifest (entries, content hashes, their Merkle root, policy versions, counts excluded per reason,
the public sample) is signed by the co-op and logged in the same transaction that stores the release
and its items. Split out of `coop.datasets.service` so that module stays the façade the web edge
calls; the behaviour is the one `DatasetService.cut_release` always had.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from coop.datasets.licensing import accepted_contributions
from coop.datasets.models import Release, ReleaseItem
from coop.datasets.views import ReleaseView, release_view
from coop.kernel.db import write_session
from coop.kernel.errors import NotAllowed, Refused
from coop.kernel.money import check_currency
from coop.kernel.principal import Principal
from coop.rules import consent
from coop.rules.sampling import sample_entries
from coop.work.models import Acceptance, Contribution
from governance.policies import PolicyService
from provenance.core.canonical import canonical_json
from provenance.core.commitment import list_root
from provenance.service import ProvenanceLog


def items_root(items: Sequence[dict[str, Any]]) -> str:
    """The root a release or license logs for its items [{entry, content_sha256}], in entry order.
    The items themselves are stored beside the log (dataset_release_item) and travel in the bundle."""
    return list_root(items)


def cut_release(
    engine: Engine,
    log: ProvenanceLog,
    policies: PolicyService,
    clock: Callable[[], datetime],
    steward: Principal,
    title: str,
    description: str,
    task_ids: Sequence[str],
    intended_uses: Sequence[str],
    price: int,
    currency: str,
) -> ReleaseView:
    if not steward.is_steward:
        raise NotAllowed("only stewards cut releases")
    try:
        consent.check_declaration(intended_uses, None)
    except Refused as error:
        raise Refused(str(error)) from error
    if not isinstance(price, int) or price < 0:
        raise Refused("price is a whole number of minor units ≥ 0")
    check_currency(currency)
    if not title.strip() or not task_ids:
        raise Refused("a release has a title and at least one task")
    if len(title.strip()) > 200:
        raise Refused("a release title is at most 200 characters")
    now = clock()
    rules = policies.in_force("consent-rules", now)
    formula = policies.in_force("revenue-formula", now)
    with write_session(engine) as session, session.begin():
        candidates = accepted_contributions(session, task_ids)
        items: list[tuple[Contribution, Acceptance]] = []
        excluded: Counter[str] = Counter()
        for contribution, acceptance, revoked in candidates:
            reasons = consent.refusals(
                json.loads(contribution.terms), rules.body, intended_uses, None, now.date(), revoked
            )
            if reasons:
                excluded.update(reasons[:1])  # counted once, by its first reason
            else:
                items.append((contribution, acceptance))
        if not items:
            raise Refused(
                f"no accepted contribution on these tasks permits {', '.join(intended_uses)}"
                + (f" (excluded: {dict(excluded)})" if excluded else "")
            )
        release_id = uuid.uuid4().hex
        listed = [
            {"entry": a.log_index, "content_sha256": c.content_sha256}
            for c, a in sorted(items, key=lambda x: x[1].log_index)
        ]
        root = items_root(listed)
        sample = sample_entries(root, [a.log_index for _, a in items])
        manifest = {
            "release": release_id,
            "title": title.strip(),
            "intended_uses": list(intended_uses),
            "items_root": root,
            "item_count": len(listed),
            "excluded": dict(sorted(excluded.items())),
            "price": {"amount": price, "currency": currency},
            "policies": {"consent-rules": rules.version, "revenue-formula": formula.version},
            "published_at": now.isoformat(),
            "sample": sample,
        }
        index = log.append_coop_statement(session.connection(), "release.published", manifest)
        release = Release(
            id=release_id,
            title=title.strip(),
            description=description.strip(),
            intended_uses=json.dumps(list(intended_uses)),
            price=price,
            currency=currency,
            manifest=canonical_json(manifest).decode(),
            items_root=root,
            item_count=len(listed),
            created_by=steward.account_id,
            created_at=now,
            log_index=index,
        )
        session.add(release)
        session.flush()
        session.add_all(ReleaseItem(release_id=release_id, contribution_id=c.id, entry=a.log_index) for c, a in items)
        session.flush()
        return release_view(release)
