"""Granting a prepared license: one transaction that logs the license, its files' manifest and its sale.

`DatasetService.license` prepares a license read-only (its plan and its files' digest) and then calls
`grant` here, which checks the plan again under the organisation's row lock and, if the items are
still the prepared ones, logs `license.granted`, stores the license and its revenue weights, logs the
`license.files` manifest from the digest, posts the sale and remembers the idempotency key. Split out
of `coop.datasets.service` to keep each module to one responsibility; the behaviour is unchanged.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coop import idempotency
from coop.datasets.checkout import Confirmation
from coop.datasets.delivery import FilesDigest, publish_license_files
from coop.datasets.license_plan import Plan, plan_license
from coop.datasets.licensing import Licensable, record_weights, revoked_meanwhile
from coop.datasets.models import License, Release
from coop.datasets.releases import items_root
from coop.datasets.revenue import RevenueService
from coop.datasets.views import LicenseView, license_view
from coop.kernel.db import write_session
from coop.kernel.errors import Conflict
from coop.kernel.principal import Principal
from coop.membership.models import BuyerOrg
from governance.policies import PolicyService
from provenance.service import ProvenanceLog

Evaluator = Callable[[Session], tuple[Release, Counter[str], list[Licensable]]]


@dataclass(frozen=True)
class Granting:
    """What a grant writes through: the database, the log, the policies in force, the sale, the clock."""

    engine: Engine
    log: ProvenanceLog
    policies: PolicyService
    revenue: RevenueService
    clock: Callable[[], datetime]


def grant(
    parts: Granting,
    buyer: Principal,
    request: idempotency.ScopedKey,
    evaluator: Evaluator,
    release_id: str,
    uses: Sequence[str],
    sector: str | None,
    accept_subset: bool,
    again: bool,
    confirmed: Confirmation | None,
    prepared: Plan,
    digest: FilesDigest,
) -> LicenseView | None:
    """Grant the prepared license in one transaction, its files' manifest logged from `digest`;
    None if the items it would include are no longer the prepared ones (hash them again)."""
    assert buyer.org_id is not None
    with write_session(parts.engine) as session, session.begin():
        # One checkout of an organisation at a time (a double click, two tabs): the second waits,
        # then finds the first one's key or its license.
        session.get(BuyerOrg, buyer.org_id, with_for_update=True)
        plan = plan_license(
            session,
            buyer,
            request,
            evaluator,
            uses,
            sector,
            accept_subset,
            again,
            confirmed,
        )
        if isinstance(plan, License):
            return license_view(session, plan)
        if plan.items != prepared.items:  # a revocation committed since: the files differ
            return None
        release, excluded, included, price, accepted = (
            plan.release,
            plan.excluded,
            plan.included,
            plan.price,
            plan.accepted,
        )
        listed = [{"entry": item.entry, "content_sha256": item.content_sha256} for item in included]
        license_id = uuid.uuid4().hex
        now = parts.clock()
        body = {
            "license": license_id,
            "release": release_id,
            "release_entry": release.log_index,
            "buyer_org": buyer.org_id,
            "uses": list(uses),
            "sector": sector,
            "price": {"amount": price, "currency": release.currency},
            "included_count": len(listed),
            "included_root": items_root(listed),
            "excluded": dict(sorted(excluded.items())),
            "granted_at": now.isoformat(),
            "consent_rules": parts.policies.in_force("consent-rules", now).ref,
            "terms": {"version": accepted.version, "sha256": accepted.sha256},
        }
        index = parts.log.append_coop_statement(session.connection(), "license.granted", body)
        if revoked_meanwhile(session, included):  # the log's lock is held: nothing else revokes now
            raise Conflict("consent to an item was withdrawn while this license was being granted; check again")
        row = License(
            id=license_id,
            release_id=release_id,
            buyer_org_id=buyer.org_id,
            buyer_account_id=buyer.account_id,
            uses=json.dumps(list(uses)),
            sector=sector,
            price=price,
            currency=release.currency,
            included_count=len(listed),
            included_root=body["included_root"],
            created_at=now,
            log_index=index,
            terms_version=accepted.version,
            terms_sha256=accepted.sha256,
        )
        session.add(row)
        session.flush()
        record_weights(session, license_id, included)
        publish_license_files(session, parts.log, row, digest, now)  # hashed before the lock
        parts.revenue.record_sale_in(session, license_id)  # the sale, shared at once
        idempotency.remember(session, request, license_id, now)
        return license_view(session, row)
