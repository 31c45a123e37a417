"""Cutting releases and licensing them, with consent checked per contribution.

A release bundles accepted contributions whose consent permits its intended uses; the manifest
(entries, content hashes, their Merkle root, policy versions, counts excluded per reason) is signed by
the co-op and logged. A license checks each item again, for the buyer's declared uses and sector, at
the time of licensing: revocations before that moment bind it, revocations after do not
(`licensing`, with what a license records for the revenue formula). The views: `views`.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop import idempotency
from coop.datasets.checkout import Confirmation
from coop.datasets.delivery import FilesDigest, files_digest, publish_license_files
from coop.datasets.license_plan import Plan, plan_license
from coop.datasets.licensing import (
    Licensable,
    accepted_contributions,
    licensable_items,
    pro_rata,
    record_weights,
    revoked_meanwhile,
)
from coop.datasets.models import License, Release, ReleaseItem
from coop.datasets.revenue import RevenueService
from coop.datasets.views import ConsentCheck, LicenseView, ReleaseView, license_view, release_view
from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.money import check_currency
from coop.kernel.principal import Principal
from coop.membership.models import BuyerOrg
from coop.rules import consent
from coop.rules.sampling import sample_entries
from coop.work.models import Acceptance, Contribution
from governance.policies import PolicyService
from provenance.core.canonical import canonical_json
from provenance.core.commitment import list_root
from provenance.service import ProvenanceLog

__all__ = ["ConsentCheck", "DatasetService", "LicenseView", "ReleaseView", "items_root"]


_PREPARATIONS = 3  # a license is prepared again if consent changed meanwhile, at most this often


def items_root(items: Sequence[dict[str, Any]]) -> str:
    """The root a release or license logs for its items [{entry, content_sha256}], in entry order.
    The items themselves are stored beside the log (dataset_release_item) and travel in the bundle."""
    return list_root(items)


class DatasetService:
    def __init__(
        self,
        engine: Engine,
        log: ProvenanceLog,
        policies: PolicyService,
        revenue: RevenueService,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.engine = engine
        self.revenue = revenue
        self.log = log
        self.policies = policies
        self.clock = clock

    # -- releases --------------------------------------------------------------------------

    def cut_release(
        self,
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
        now = self.clock()
        rules = self.policies.in_force("consent-rules", now)
        formula = self.policies.in_force("revenue-formula", now)
        with write_session(self.engine) as session, session.begin():
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
            index = self.log.append_coop_statement(session.connection(), "release.published", manifest)
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
            session.add_all(
                ReleaseItem(release_id=release_id, contribution_id=c.id, entry=a.log_index) for c, a in items
            )
            session.flush()
            return release_view(release)

    def releases(self) -> list[ReleaseView]:
        with Session(self.engine) as session:
            return [release_view(r) for r in session.scalars(select(Release).order_by(Release.created_at.desc()))]

    def release(self, release_id: str) -> ReleaseView:
        with Session(self.engine) as session:
            row = session.get(Release, release_id)
            if row is None:
                raise NotFound(f"no release {release_id}")
            return release_view(row)

    # -- licensing -------------------------------------------------------------------------

    def check(self, release_id: str, uses: Sequence[str], sector: str | None) -> ConsentCheck:
        """What a buyer could license for a declared use, right now, with counts per reason."""
        with Session(self.engine) as session:
            release, excluded, included = self._evaluate(session, release_id, uses, sector)
            return ConsentCheck(
                release_id,
                list(uses),
                sector,
                release.item_count,
                len(included),
                dict(sorted(excluded.items())),
                release.price,
                pro_rata(release.price, len(included), release.item_count),
                release.currency,
            )

    def license(
        self,
        buyer: Principal,
        release_id: str,
        uses: Sequence[str],
        sector: str | None,
        accept_subset: bool,
        idempotency_key: str,
        *,
        again: bool = False,
        confirmed: Confirmation | None = None,
    ) -> LicenseView:
        """Grant one license and post its sale, in one transaction (the one place a license is made).

        `confirmed`: the terms version, item count and total the buyer saw and accepted (the portal's
        and the API's checkout always send it); a quote that no longer holds is a 409 and changes
        nothing. `again`: the organisation already holds a license of this release and chooses
        another (new declared uses, a new seat); without it a second license is a 409. A retry with
        the same idempotency key gets the first license back, whatever happened since.

        The license's files are hashed first, in a read-only session, from its planned items: their
        records depend only on those items and insert-only rows already committed, so the bytes are
        the ones a download writes later. The grant's transaction then checks everything again and
        logs the manifest from that digest, so the log's head is locked for the appends, not for the
        seconds hashing takes (every other append in the co-op would wait behind one big license).
        Chosen over committing the grant and logging the manifest in a second transaction: the
        license and its manifest still commit together, so no license ever lacks one and there is no
        recovery path to get right. Should the items differ by then (a revocation committed while the
        files were hashed), the license is prepared again; a license whose items keep changing is a
        409."""
        if not buyer.is_buyer or buyer.org_id is None:
            raise NotAllowed("only buyer accounts license releases")
        asked: dict[str, Any] = {"release": release_id, "uses": list(uses), "sector": sector}
        asked |= {"accept_subset": accept_subset}
        if again or confirmed is not None:  # keys of requests made before checkout digest as they did
            asked |= {"again": again, "confirmed": None if confirmed is None else confirmed.as_dict()}
        request = idempotency.scoped(buyer, "license", idempotency_key, asked)
        for _ in range(_PREPARATIONS):
            # Prepared first, read-only: the license's files are hashed while nobody waits for it.
            with Session(self.engine) as session:
                prepared = plan_license(
                    session,
                    buyer,
                    request,
                    self._evaluator(release_id, uses, sector),
                    uses,
                    sector,
                    accept_subset,
                    again,
                    confirmed,
                )
                if isinstance(prepared, License):
                    return license_view(session, prepared)
                digest = files_digest(session, prepared.items)
            granted = self._grant(
                buyer, request, release_id, uses, sector, accept_subset, again, confirmed, prepared, digest
            )
            if granted is not None:
                return granted
        raise Conflict("consent to items of this release kept changing while the license was prepared; check again")

    def _grant(
        self,
        buyer: Principal,
        request: idempotency.ScopedKey,
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
        with write_session(self.engine) as session, session.begin():
            # One checkout of an organisation at a time (a double click, two tabs): the second waits,
            # then finds the first one's key or its license.
            session.get(BuyerOrg, buyer.org_id, with_for_update=True)
            plan = plan_license(
                session,
                buyer,
                request,
                self._evaluator(release_id, uses, sector),
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
            now = self.clock()
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
                "consent_rules": self.policies.in_force("consent-rules", now).ref,
                "terms": {"version": accepted.version, "sha256": accepted.sha256},
            }
            index = self.log.append_coop_statement(session.connection(), "license.granted", body)
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
            publish_license_files(session, self.log, row, digest, now)  # hashed before the lock
            self.revenue.record_sale_in(session, license_id)  # the sale, shared at once
            idempotency.remember(session, request, license_id, now)
            return license_view(session, row)

    def licenses(self, viewer: Principal) -> list[LicenseView]:
        """Buyers see their organisation's licenses; stewards see all."""
        with Session(self.engine) as session:
            query = select(License).order_by(License.created_at.desc())
            if not viewer.is_steward:
                if viewer.org_id is None:
                    return []
                query = query.where(License.buyer_org_id == viewer.org_id)
            return [license_view(session, row) for row in session.scalars(query)]

    def license_of(self, viewer: Principal, license_id: str) -> LicenseView:
        with Session(self.engine) as session:
            row = session.get(License, license_id)
            if row is None or (not viewer.is_steward and row.buyer_org_id != viewer.org_id):
                raise NotFound(f"you have no license {license_id}")
            return license_view(session, row)

    def _evaluator(
        self, release_id: str, uses: Sequence[str], sector: str | None
    ) -> Callable[[Session], tuple[Release, Counter[str], list[Licensable]]]:
        return lambda session: self._evaluate(session, release_id, uses, sector)

    def _evaluate(
        self, session: Session, release_id: str, uses: Sequence[str], sector: str | None
    ) -> tuple[Release, Counter[str], list[Licensable]]:
        try:
            consent.check_declaration(uses, sector)
        except Refused as error:
            raise Refused(str(error)) from error
        release = session.get(Release, release_id)
        if release is None:
            raise NotFound(f"no release {release_id}")
        now = self.clock()
        rules = self.policies.in_force("consent-rules", now)
        excluded, included = licensable_items(session, release_id, uses, sector, rules.body, now)
        return release, excluded, included
