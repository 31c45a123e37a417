"""Withdrawals reach licensees: when a contributor revokes consent after a license that includes
their contribution, the licensee's organisation is told (issue 15, part 4; GDPR Art. 19).

A revocation binds future licenses, not ones already granted (DESIGN.md, consent terms), so a
licensee keeps what it licensed — but it should know. For every license logged before the
revocation that holds the contribution, the co-op signs and logs a `license.withdrawal` notice
(coop.statements.datasets.LicenseWithdrawal: hashes and log indexes only) in the revocation's own
transaction, through the work layer's port (coop.work.ports.ConsentRevoked, wired in web/runtime.py).
So the notices exist exactly when the revocation does, and a license granted after the revocation
(which already left the item out) gets none.

Each license's notices form a feed numbered 1, 2, 3, … that the buyer polls (`after=N`) and checks
offline (coop.lineage.withdrawal_verify; docs/withdrawals.md): every notice comes with the entries it
rests on — the license, the author's revocation, the contribution's acceptance — and their
inclusion proofs against one signed checkpoint. Reading is recorded as inserted rows, never by
editing a notice. Who may read: the licensee's organisation, and stewards (who see every license
already, for support and audit) — but only the licensee marks its notices read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop.datasets.models import License, LicenseItem
from coop.datasets.withdrawal_models import WithdrawalNotice, WithdrawalRead
from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.work.models import Contribution
from provenance.core.signing import b64, sign_statement
from provenance.service import ProvenanceLog

KIND = "license.withdrawal"
FORMAT = "coop-ledger-withdrawals/v1"


@dataclass(frozen=True)
class Notice:
    sequence: int
    log_index: int
    revocation_entry: int
    contribution_entry: int
    content_sha256: str
    noticed_at: datetime
    unread: bool


class WithdrawalService:
    def __init__(self, engine: Engine, log: ProvenanceLog, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.log = log
        self.clock = clock

    # -- written with the revocation (coop.work.ports.ConsentRevoked) -------------------------

    def notify_in(self, session: Session, contribution_id: str, revocation_entry: int, at: datetime) -> None:
        """Log one notice per license granted before the revocation that includes the contribution.
        Runs after the revocation's append, so the log's head is locked: licenses and notices
        committed before it are visible, and no other notice can take the same sequence."""
        content = session.get_one(Contribution, contribution_id).content_sha256
        noticed = select(WithdrawalNotice.license_id).where(WithdrawalNotice.contribution_id == contribution_id)
        held = session.execute(
            select(License.id, License.log_index, LicenseItem.entry)
            .join(LicenseItem, LicenseItem.license_id == License.id)
            .where(
                LicenseItem.contribution_id == contribution_id,
                License.log_index < revocation_entry,
                License.id.not_in(noticed),
            )
            .order_by(License.log_index)
        ).all()
        if not held or content is None:
            return
        last: dict[str, int] = {
            license_id: sequence
            for license_id, sequence in session.execute(
                select(WithdrawalNotice.license_id, func.max(WithdrawalNotice.sequence))
                .where(WithdrawalNotice.license_id.in_([license_id for license_id, _, _ in held]))
                .group_by(WithdrawalNotice.license_id)
            )
        }
        bodies = [
            {
                "license": license_id,
                "license_entry": license_entry,
                "sequence": last.get(license_id, 0) + 1,
                "revocation_entry": revocation_entry,
                "contribution_entry": entry,
                "content_sha256": content,
                "noticed_at": at.isoformat(),
            }
            for license_id, license_entry, entry in held
        ]
        key = self.log.signer.signing_key
        indexes = self.log.append_in_transaction(
            session.connection(), [sign_statement(key, KIND, body) for body in bodies]
        )
        session.add_all(
            WithdrawalNotice(
                license_id=body["license"],
                sequence=body["sequence"],
                contribution_id=contribution_id,
                contribution_entry=body["contribution_entry"],
                content_sha256=content,
                revocation_entry=revocation_entry,
                noticed_at=at,
                log_index=index,
            )
            for body, index in zip(bodies, indexes, strict=True)
        )

    # -- the licensee's feed -----------------------------------------------------------------

    def notices(self, viewer: Principal, license_id: str) -> tuple[License, list[Notice]]:
        """The license and its notices, newest first, each marked unread or not (for the portal)."""
        with Session(self.engine) as session:
            license = _readable(session, viewer, license_id)
            read = _read_up_to(session, license_id)
            rows = session.scalars(
                select(WithdrawalNotice)
                .where(WithdrawalNotice.license_id == license_id)
                .order_by(WithdrawalNotice.sequence.desc())
            )
            session.expunge(license)
            return license, [
                Notice(
                    r.sequence,
                    r.log_index,
                    r.revocation_entry,
                    r.contribution_entry,
                    r.content_sha256,
                    r.noticed_at,
                    r.sequence > read,
                )
                for r in rows
            ]

    def feed(self, viewer: Principal, license_id: str, after: int = 0) -> dict[str, Any]:
        """The license's notices after sequence `after`, with every entry they rest on and its
        inclusion proof against one signed checkpoint: what `coop withdrawals verify` checks."""
        if after < 0:
            raise Refused("after is a notice sequence number: 0 or more")
        with Session(self.engine) as session:
            license = _readable(session, viewer, license_id)
            rows = list(
                session.scalars(
                    select(WithdrawalNotice)
                    .where(WithdrawalNotice.license_id == license_id, WithdrawalNotice.sequence > after)
                    .order_by(WithdrawalNotice.sequence)
                )
            )
            read = _read_up_to(session, license_id)
            total = session.scalar(
                select(func.count()).select_from(WithdrawalNotice).where(WithdrawalNotice.license_id == license_id)
            )
        checkpoint = self.log.latest_checkpoint()  # read after the notices, so it covers them
        assert checkpoint is not None, "a license is a log entry, so the log has a checkpoint"
        needed = {license.log_index}
        for r in rows:
            needed.update((r.log_index, r.revocation_entry, r.contribution_entry))
        proofs = self.log.inclusion_proofs(sorted(needed), checkpoint.size)
        return {
            "format": FORMAT,
            "license": license.id,
            "license_entry": license.log_index,
            "after": after,
            "notices": [
                {
                    "sequence": r.sequence,
                    "index": r.log_index,
                    "revocation_entry": r.revocation_entry,
                    "contribution_entry": r.contribution_entry,
                    "content_sha256": r.content_sha256,
                    "noticed_at": r.noticed_at.isoformat(),
                }
                for r in rows
            ],
            "verifier_key": self.log.verifier_key,
            "checkpoint": checkpoint.note,
            "entries": [
                {"index": index, "leaf": b64(leaf), "proof": [b64(h) for h in proof]}
                for index, (leaf, proof) in sorted(proofs.items())
            ],
            "read_up_to": read,  # the organisation's reading state: not signed, not checked offline
            "unread": (total or 0) - min(read, total or 0),
        }

    # -- reading -----------------------------------------------------------------------------

    def unread_counts(self, viewer: Principal) -> dict[str, int]:
        """Unread notices per license of the viewer's organisation (licenses with none are left out)."""
        if viewer.org_id is None:
            return {}
        with Session(self.engine) as session:
            read = (
                select(WithdrawalRead.license_id, func.max(WithdrawalRead.up_to).label("up_to"))
                .where(WithdrawalRead.org_id == viewer.org_id)
                .group_by(WithdrawalRead.license_id)
                .subquery()
            )
            rows = session.execute(
                select(WithdrawalNotice.license_id, func.count())
                .join(License, License.id == WithdrawalNotice.license_id)
                .outerjoin(read, read.c.license_id == WithdrawalNotice.license_id)
                .where(
                    License.buyer_org_id == viewer.org_id,
                    WithdrawalNotice.sequence > func.coalesce(read.c.up_to, 0),
                )
                .group_by(WithdrawalNotice.license_id)
            )
            return {license_id: count for license_id, count in rows}

    def mark_read(self, viewer: Principal, license_id: str, up_to: int | None = None) -> int:
        """Record that the licensee read the notices up to `up_to` (default: all so far); returns the
        highest sequence read. A new row each time; reading less than before changes nothing."""
        with write_session(self.engine) as session, session.begin():
            license = _readable(session, viewer, license_id)
            if viewer.org_id != license.buyer_org_id:
                raise NotAllowed("only the licensee's organisation marks its withdrawal notices read")
            last = session.scalar(
                select(func.max(WithdrawalNotice.sequence)).where(WithdrawalNotice.license_id == license_id)
            )
            up_to = (last or 0) if up_to is None else up_to
            if up_to < 0 or up_to > (last or 0):
                raise Refused(f"up_to must be a notice of this license: 0 to {last or 0}")
            read = _read_up_to(session, license_id)
            if up_to <= read:
                return read
            session.add(
                WithdrawalRead(
                    license_id=license_id,
                    org_id=license.buyer_org_id,
                    account_id=viewer.account_id,
                    up_to=up_to,
                    read_at=self.clock(),
                )
            )
            return up_to


def _readable(session: Session, viewer: Principal, license_id: str) -> License:
    license = session.get(License, license_id)
    if license is None:
        raise NotFound(f"no license {license_id}")
    if viewer.is_steward or (viewer.org_id is not None and viewer.org_id == license.buyer_org_id):
        return license
    raise NotAllowed("only the licensee's organisation reads a license's withdrawal notices")


def _read_up_to(session: Session, license_id: str) -> int:
    return session.scalar(select(func.max(WithdrawalRead.up_to)).where(WithdrawalRead.license_id == license_id)) or 0
