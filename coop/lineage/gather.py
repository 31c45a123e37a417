"""Collect a release's lineage from the log and the database: the entries that prove it.

Everything returned here is either a log entry (with its index) or derived from one, so the same
data feeds the portal's lineage view, the verification bundle and the standard exports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.datasets.models import License, LicenseItem, Release, ReleaseItem
from coop.kernel.errors import NotFound
from coop.membership.models import BuyerOrg
from coop.work.models import Acceptance, ConsentRevocation, Contribution, Task
from governance.models import PolicyVersion
from provenance import store
from provenance.core.entry import parse_leaf


@dataclass
class ItemLineage:
    contribution_id: str
    acceptance_entry: int
    task_entry: int
    revocation_entry: int | None
    accepted: dict[str, Any]  # the contribution.accepted statement body (co-op countersigned)
    task: dict[str, Any]  # the task.opened statement body
    content_sha256: str  # as the database holds it: one of the release's items, which the log commits to by root

    @property
    def statement(self) -> dict[str, Any]:
        return self.accepted["statement"]["body"]


@dataclass
class ReleaseLineage:
    release_id: str
    title: str
    release_entry: int
    manifest: dict[str, Any]
    items: list[ItemLineage]
    policy_entries: list[int]
    license_entry: int | None = None
    license: dict[str, Any] | None = None
    licensed_entries: set[int] = field(default_factory=set)

    def listed(self) -> list[dict[str, Any]]:
        """The release's items [{entry, content_sha256}] in entry order: the list whose count and root
        the manifest logs (stored beside the log, carried in the bundle)."""
        return [{"entry": item.acceptance_entry, "content_sha256": item.content_sha256} for item in self.items]

    def entries(self) -> list[int]:
        """Every log entry the lineage rests on, in log order."""
        indexes = {self.release_entry, *self.policy_entries}
        if self.license_entry is not None:
            indexes.add(self.license_entry)
        for item in self.items:
            indexes.update({item.acceptance_entry, item.task_entry})
            if item.revocation_entry is not None:
                indexes.add(item.revocation_entry)
        return sorted(indexes)


def release_lineage(engine: Engine, release_id: str, license_id: str | None = None) -> ReleaseLineage:
    with engine.connect() as conn, Session(bind=conn) as session:
        release = session.get(Release, release_id)
        if release is None:
            raise NotFound(f"no release {release_id}")
        rows = session.execute(
            select(ReleaseItem, Contribution, Acceptance, Task)
            .join(Contribution, Contribution.id == ReleaseItem.contribution_id)
            .join(Acceptance, Acceptance.contribution_id == Contribution.id)
            .join(Task, Task.id == Contribution.task_id)
            .where(ReleaseItem.release_id == release_id)
            .order_by(ReleaseItem.entry)
        ).all()
        revocations = {
            r.contribution_id: r.log_index
            for r in session.scalars(
                select(ConsentRevocation).where(ConsentRevocation.contribution_id.in_([c.id for _, c, _, _ in rows]))
            )
        }
        items = []
        for _item, contribution, acceptance, task in rows:
            accepted = parse_leaf(store.read_leaves(conn, acceptance.log_index, acceptance.log_index + 1)[0]).body
            opened = parse_leaf(store.read_leaves(conn, task.log_index, task.log_index + 1)[0]).body
            assert contribution.content_sha256 is not None  # accepted work always has its content
            items.append(
                ItemLineage(
                    contribution.id,
                    acceptance.log_index,
                    task.log_index,
                    revocations.get(contribution.id),
                    accepted,
                    opened,
                    contribution.content_sha256,
                )
            )
        names = {"pay-floor", "consent-rules"} | {f"rubric.{task.kind}" for _, _, _, task in rows}
        policy_entries = sorted(session.scalars(select(PolicyVersion.log_index).where(PolicyVersion.name.in_(names))))
        lineage = ReleaseLineage(
            release.id, release.title, release.log_index, json.loads(release.manifest), items, policy_entries
        )
        if license_id is not None:
            license = session.get(License, license_id)
            if license is None or license.release_id != release_id:
                raise NotFound(f"no license {license_id} of release {release_id}")
            lineage.license_entry = license.log_index
            lineage.license = parse_leaf(store.read_leaves(conn, license.log_index, license.log_index + 1)[0]).body
            lineage.licensed_entries = set(
                session.scalars(select(LicenseItem.entry).where(LicenseItem.license_id == license_id))
            )
        return lineage


@dataclass
class ContributionChain:
    """One accepted contribution from its author's statement to every release and license using it."""

    acceptance_entry: int
    accepted: dict[str, Any]
    task_entry: int
    task: dict[str, Any]
    revocation_entry: int | None
    releases: list[tuple[str, str, int]]  # (release id, title, log entry)
    licenses: list[tuple[str, str, int, bool]]  # (license id, organisation, log entry, visible to the viewer)


def contribution_chain(
    engine: Engine, acceptance_entry: int, viewer_org: str | None, steward: bool
) -> ContributionChain:
    with engine.connect() as conn, Session(bind=conn) as session:
        acceptance = session.scalar(select(Acceptance).where(Acceptance.log_index == acceptance_entry))
        if acceptance is None:
            raise NotFound(f"log entry {acceptance_entry} is not an accepted contribution")
        contribution = session.get(Contribution, acceptance.contribution_id)
        task = session.get(Task, contribution.task_id) if contribution else None
        assert contribution is not None and task is not None
        accepted = parse_leaf(store.read_leaves(conn, acceptance_entry, acceptance_entry + 1)[0]).body
        opened = parse_leaf(store.read_leaves(conn, task.log_index, task.log_index + 1)[0]).body
        revocation = session.get(ConsentRevocation, contribution.id)
        releases = [
            (r.id, r.title, r.log_index)
            for r in session.scalars(
                select(Release)
                .join(ReleaseItem, ReleaseItem.release_id == Release.id)
                .where(ReleaseItem.contribution_id == contribution.id)
                .order_by(Release.log_index)
            )
        ]
        licenses = []
        for lic in session.scalars(
            select(License)
            .join(LicenseItem, LicenseItem.license_id == License.id)
            .where(LicenseItem.contribution_id == contribution.id)
            .order_by(License.log_index)
        ):
            org = session.get(BuyerOrg, lic.buyer_org_id)
            visible = steward or lic.buyer_org_id == viewer_org
            licenses.append(
                (
                    lic.id if visible else "",
                    (org.name if org else "") if visible else "another buyer",
                    lic.log_index,
                    visible,
                )
            )
        return ContributionChain(
            acceptance_entry,
            accepted,
            task.log_index,
            opened,
            revocation.log_index if revocation else None,
            releases,
            licenses,
        )
