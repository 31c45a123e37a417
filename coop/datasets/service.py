"""Cutting releases and licensing them, with consent checked per contribution.

A release bundles accepted contributions whose consent permits its intended uses; the manifest
(entries, content hashes, their Merkle root, policy versions, counts excluded per reason) is signed by
the co-op and logged. A license checks each item again, for the buyer's declared uses and sector, at
the time of licensing: revocations before that moment bind it, revocations after do not
(`licensing`, with what a license records for the revenue formula). The views: `views`.

This is the façade the web edge calls; the work is in modules of one responsibility each: cutting a
release (`releases`), planning a license (`license_plan`), hashing its files (`delivery`) and granting
it in one transaction (`license_grant`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop import idempotency
from coop.datasets.checkout import Confirmation
from coop.datasets.delivery import files_digest
from coop.datasets.license_grant import Granting, grant
from coop.datasets.license_plan import plan_license
from coop.datasets.licensing import Licensable, licensable_items, pro_rata
from coop.datasets.models import License, Release
from coop.datasets.releases import cut_release, items_root
from coop.datasets.revenue import RevenueService
from coop.datasets.views import ConsentCheck, LicenseView, ReleaseView, license_view, release_view
from coop.kernel.db import utcnow
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.rules import consent
from governance.policies import PolicyService
from provenance.service import ProvenanceLog

__all__ = ["ConsentCheck", "DatasetService", "LicenseView", "ReleaseView", "items_root"]


_PREPARATIONS = 3  # a license is prepared again if consent changed meanwhile, at most this often


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
        """Cut and log a release (coop.datasets.releases)."""
        return cut_release(
            self.engine,
            self.log,
            self.policies,
            self.clock,
            steward,
            title,
            description,
            task_ids,
            intended_uses,
            price,
            currency,
        )

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
            granted = grant(
                Granting(self.engine, self.log, self.policies, self.revenue, self.clock),
                buyer,
                request,
                self._evaluator(release_id, uses, sector),
                release_id,
                uses,
                sector,
                accept_subset,
                again,
                confirmed,
                prepared,
                digest,
            )
            if granted is not None:
                return granted
        raise Conflict("consent to items of this release kept changing while the license was prepared; check again")

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
