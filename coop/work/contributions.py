"""Contributions: drafted, signed by their author, and never edited once submitted.

The author's statement {task, content_sha256, author key id, terms, minutes, units, time, revises}
is canonical JSON signed with their key: opened from custody with their password, or signed on their
own machine. Content is stored by its SHA-256 and never enters the log. The same signed statement
submitted twice yields the same contribution (retries are harmless). What the input must be is in
`contribution_checks`; reading one's work, in `contribution_reading`; what members see of it, in
`contribution_views`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.db import insert_missing, utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, Refused
from coop.kernel.principal import Principal
from coop.membership.keys import KeyService
from coop.rules import consent
from coop.statements import check_input
from coop.work.answer_revisions import carry_answer
from coop.work.claim_models import ContributionAnswer
from coop.work.contribution_checks import (
    MEDIA_TYPES,
    check_content,
    check_numbers,
)
from coop.work.contribution_reading import ContributionReading, own
from coop.work.contribution_views import ContributionView, view
from coop.work.models import (
    Acceptance,
    ConsentRevocation,
    ContentBlob,
    Contribution,
)
from coop.work.ports import ConsentRevoked
from coop.work.revision_rules import check_revisable
from coop.work.signed_submission import STATEMENT_KIND, checked_statement, open_task, sign_draft, statement_body
from provenance.core.canonical import canonical_json
from provenance.core.signing import SignedStatement, key_id
from provenance.service import InclusionReceipt, ProvenanceLog

__all__ = ["MEDIA_TYPES", "REVOCATION_KIND", "STATEMENT_KIND", "ContributionService", "ContributionView"]

REVOCATION_KIND = "consent.revocation"


class ContributionService(ContributionReading):
    """Drafting, signing and submitting, consent revocation; the reads are `ContributionReading`'s.
    `on_revocation` (coop.work.ports) tells the licensees of a revoked contribution, in the
    revocation's transaction; web/runtime.py wires the datasets' withdrawal notices in."""

    def __init__(
        self,
        engine: Engine,
        log: ProvenanceLog,
        keys: KeyService,
        max_content_bytes: int,
        clock: Callable[[], datetime] = utcnow,
        on_revocation: ConsentRevoked | None = None,
    ):
        self.engine = engine
        self.log = log
        self.keys = keys
        self.max_content_bytes = max_content_bytes
        self.clock = clock
        self.on_revocation = on_revocation

    # -- drafts ----------------------------------------------------------------------------

    def draft(
        self,
        author: Principal,
        task_id: str,
        content: bytes,
        media_type: str,
        minutes: int,
        terms: Mapping[str, Any],
        units: int = 1,
    ) -> ContributionView:
        _require_member(author)
        clean_terms = consent.check_terms(terms)
        check_numbers(minutes, units)
        with write_session(self.engine) as session, session.begin():
            task = open_task(session, task_id, self.clock())
            digest = self._store(session, content, media_type)
            row = Contribution(
                id=uuid.uuid4().hex,
                task_id=task.id,
                author_id=author.account_id,
                revises_id=None,
                round=1,
                content_sha256=digest,
                units=units,
                minutes=minutes,
                terms=canonical_json(clean_terms).decode(),
                status="draft",
                created_at=self.clock(),
            )
            session.add(row)
            session.flush()
            return view(session, row)

    def edit_draft(
        self,
        author: Principal,
        contribution_id: str,
        content: bytes | None,
        media_type: str,
        minutes: int,
        terms: Mapping[str, Any],
        units: int = 1,
    ) -> ContributionView:
        clean_terms = consent.check_terms(terms)
        check_numbers(minutes, units)
        with write_session(self.engine) as session, session.begin():
            row = own(session, author, contribution_id)
            if row.status != "draft":
                raise Conflict("a submitted contribution is never edited; revise it instead")
            if session.get(ContributionAnswer, row.id) is not None:
                raise Conflict("an answer to an item is edited as an answer (its typed fields), not as content")
            if content is not None:
                row.content_sha256 = self._store(session, content, media_type)
            row.minutes, row.units, row.terms = minutes, units, canonical_json(clean_terms).decode()
            return view(session, row)

    def revise(self, author: Principal, contribution_id: str) -> ContributionView:
        """A new draft that revises work sent back for revision or rejected (an answer to an item:
        the same item, the earlier answer as its starting draft)."""
        with write_session(self.engine) as session, session.begin():
            old = own(session, author, contribution_id)
            check_revisable(session, old)
            existing = session.scalar(select(Contribution).where(Contribution.revises_id == old.id))
            if existing is not None:
                return view(session, existing)
            open_task(session, old.task_id, self.clock())
            row = Contribution(
                id=uuid.uuid4().hex,
                task_id=old.task_id,
                author_id=old.author_id,
                revises_id=old.id,
                round=old.round + 1,
                content_sha256=old.content_sha256,
                units=old.units,
                minutes=old.minutes,
                terms=old.terms,
                status="draft",
                created_at=self.clock(),
            )
            session.add(row)
            session.flush()
            carry_answer(session, old, row, row.created_at)
            return view(session, row)

    def delete_draft(self, author: Principal, contribution_id: str) -> None:
        """Throw away an unsigned draft (and its answer to an item, if any): nothing was signed or
        logged, so nothing of the record is lost; submitted work is never deleted."""
        with write_session(self.engine) as session, session.begin():
            row = own(session, author, contribution_id)
            if row.status != "draft":
                raise Conflict(f"only a draft can be deleted; this contribution is {row.status} and is kept")
            answered = session.get(ContributionAnswer, row.id)
            if answered is not None:
                session.delete(answered)
                session.flush()
            session.delete(row)

    # -- submission ------------------------------------------------------------------------

    def statement_body(self, author: Principal, contribution_id: str, signer_public_key: bytes) -> dict[str, Any]:
        """The exact body the author signs for this draft (time: now)."""
        with Session(self.engine) as session:
            row = own(session, author, contribution_id)
            return statement_body(session, row, key_id(signer_public_key), self.clock())

    def submit_with_password(self, author: Principal, contribution_id: str, password: str) -> ContributionView:
        self.get(author, contribution_id, author_only=True)  # someone else's work: "no such contribution", first
        key = self.keys.active_key(author.account_id)
        body = self.statement_body(author, contribution_id, key.public_key)
        return self.submit_signed(author, contribution_id, self.keys.sign_as(author, password, STATEMENT_KIND, body))

    def submit_signed(self, author: Principal, contribution_id: str, statement: SignedStatement) -> ContributionView:
        _require_member(author)
        canonical, digest = checked_statement(statement)
        key = self.keys.verify_member_statement(statement)
        if key.account_id != author.account_id:
            raise NotAllowed("the statement is signed by someone else's key")
        with write_session(self.engine) as session, session.begin():
            already = session.scalar(select(Contribution).where(Contribution.statement_sha256 == digest))
            if already is not None:
                return view(session, already)  # the same signed statement again: idempotent
            row = own(session, author, contribution_id)
            sign_draft(session, row, statement, key.key_id, canonical, digest, self.clock())
            return view(session, row)

    # -- after acceptance ------------------------------------------------------------------

    def receipt(self, viewer: Principal, contribution_id: str) -> InclusionReceipt:
        with Session(self.engine) as session:
            row = own(session, viewer, contribution_id, allow_steward=True)
            acceptance = session.get(Acceptance, row.id)
            if acceptance is None:
                raise Conflict(f"contribution is {row.status}: a receipt exists once it is accepted")
            index = acceptance.log_index
        return self.log.receipt(index)

    def revocation_body(self, author: Principal, contribution_id: str) -> dict[str, Any]:
        with Session(self.engine) as session:
            row = own(session, author, contribution_id)
            acceptance = session.get(Acceptance, row.id)
            if acceptance is None:
                raise Conflict("only accepted contributions carry consent that can be revoked")
            return {
                "contribution_entry": acceptance.log_index,
                "content_sha256": row.content_sha256,
                "revokes": "all future licenses",
            }

    def revoke_consent_with_password(self, author: Principal, contribution_id: str, password: str) -> int:
        body = self.revocation_body(author, contribution_id)
        return self.revoke_consent(author, contribution_id, self.keys.sign_as(author, password, REVOCATION_KIND, body))

    def revoke_consent(self, author: Principal, contribution_id: str, statement: SignedStatement) -> int:
        """The author's signed revocation, logged: it binds licenses after it, not before."""
        check_input(REVOCATION_KIND, statement.body)
        key = self.keys.verify_member_statement(statement)
        if key.account_id != author.account_id or statement.kind != REVOCATION_KIND:
            raise NotAllowed(f"a revocation is a '{REVOCATION_KIND}' statement signed by the author")
        if dict(statement.body) != self.revocation_body(author, contribution_id):
            raise Refused("the revocation statement does not name this contribution")
        with write_session(self.engine) as session, session.begin():
            existing = session.get(ConsentRevocation, contribution_id)
            if existing is not None:
                return existing.log_index
            index = self.log.append_in_transaction(session.connection(), [statement])[0]
            now = self.clock()
            session.add(ConsentRevocation(contribution_id=contribution_id, log_index=index, revoked_at=now))
            if self.on_revocation is not None:  # the licensees already holding it are told, in this transaction
                session.flush()
                self.on_revocation(session, contribution_id, index, now)
            return index

    def _store(self, session: Session, content: bytes, media_type: str) -> str:
        check_content(content, media_type, self.max_content_bytes)
        digest = hashlib.sha256(content).hexdigest()
        if session.get(ContentBlob, digest) is None:  # the same content stored twice at once: kept once
            insert_missing(session, ContentBlob, sha256=digest, media_type=media_type, size=len(content), data=content)
        return digest


def _require_member(principal: Principal) -> None:
    if not principal.in_good_standing:
        raise NotAllowed("only members in good standing contribute")
