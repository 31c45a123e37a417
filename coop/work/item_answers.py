"""Submitting a typed answer to a claimed item, through the contribution path.

The answer is checked against the task's answer spec (`coop.rules.answers.check_answer`; for a
ranking, against the item's response ids) and becomes a contribution whose content is the answer's
canonical JSON. Beside it (`ContributionAnswer`) are kept the item (id and SHA-256), the answer and
the seconds the server measured from the claim to this submission; the author's signed statement
commits to the item and the answer (`claim_models.answer_statement_fields`). Signing and submitting
are the contribution service's own (custodial password, or a statement the member signed).

One contribution per claim: the draft is made under the claim's row lock, and a claim whose answer
was submitted returns that contribution (a double click or retried request creates nothing). A
submission that fails (a wrong password, a statement that does not match) leaves the draft; the
next attempt under the same claim re-checks and rewrites it, and re-measures the time. A draft is
also edited by its contribution's id (`edit_draft`): a first answer as if answered again under its
claim, a revision (coop.work.answer_revisions) with no claim to expire, timed from its start.

Response ids of an item are `coop.rules.answer_words.response_ids` (imported here for the pages).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.db import insert_missing, utcnow, write_session
from coop.kernel.errors import Conflict, NotFound
from coop.kernel.principal import Principal
from coop.rules import consent
from coop.rules.answer_words import response_ids
from coop.rules.answers import check_answer
from coop.work.answer_specs import AnswerSpecView, check_answer_kind_stored, spec_of, spec_view
from coop.work.claim_models import ClaimSkip, ContributionAnswer, ItemClaim
from coop.work.claims import own_claim, require_member
from coop.work.contribution_checks import check_content, check_numbers
from coop.work.contribution_reading import own
from coop.work.contribution_views import ContributionView
from coop.work.contributions import ContributionService
from coop.work.items import ItemView, _item_view
from coop.work.models import ContentBlob, Contribution, Task, TaskItem
from provenance.core.canonical import canonical_json
from provenance.core.signing import SignedStatement


@dataclass(frozen=True)
class AnswerReceipt:
    contribution: ContributionView
    claim_id: str
    item_id: str
    item_sha256: str
    answer: dict[str, Any]
    measured_seconds: int


@dataclass(frozen=True)
class DraftAnswer:
    """A draft that answers an item: what its edit page shows (the item, the spec, the answer)."""

    contribution: ContributionView
    item: ItemView
    spec: AnswerSpecView
    answer: dict[str, Any]


class ItemAnswerService:
    def __init__(
        self,
        engine: Engine,
        contributions: ContributionService,
        max_content_bytes: int,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.engine = engine
        self.contributions = contributions
        self.max_content_bytes = max_content_bytes
        self.clock = clock

    def answer_with_password(
        self, author: Principal, claim_id: str, answer: Any, minutes: int, terms: Mapping[str, Any], password: str
    ) -> AnswerReceipt:
        contribution_id, submitted = self.prepare(author, claim_id, answer, minutes, terms)
        if not submitted:
            self.contributions.submit_with_password(author, contribution_id, password)
        return self.receipt(author, claim_id)

    def answer_signed(
        self,
        author: Principal,
        claim_id: str,
        answer: Any,
        minutes: int,
        terms: Mapping[str, Any],
        statement: SignedStatement,
    ) -> AnswerReceipt:
        contribution_id, submitted = self.prepare(author, claim_id, answer, minutes, terms)
        if not submitted:
            self.contributions.submit_signed(author, contribution_id, statement)
        return self.receipt(author, claim_id)

    def statement_body(
        self, author: Principal, claim_id: str, answer: Any, minutes: int, terms: Mapping[str, Any], public_key: bytes
    ) -> dict[str, Any]:
        """The body a member signs on their own machine to submit this answer (time: now)."""
        contribution_id, submitted = self.prepare(author, claim_id, answer, minutes, terms)
        if submitted:
            raise Conflict("this claim's answer is already submitted")
        return self.contributions.statement_body(author, contribution_id, public_key)

    def prepare(
        self, author: Principal, claim_id: str, answer: Any, minutes: int, terms: Mapping[str, Any]
    ) -> tuple[str, bool]:
        """The claim's contribution (drafted or rewritten now, unless already submitted) and whether
        it is submitted. Refused, changing nothing, when the answer or the numbers do not fit."""
        require_member(author)
        clean_terms = consent.check_terms(terms)
        check_numbers(minutes, 1)
        with write_session(self.engine) as session, session.begin():
            claim = own_claim(session, author, claim_id, lock=True)  # one submission per claim at a time
            existing = session.scalar(select(ContributionAnswer).where(ContributionAnswer.claim_id == claim_id))
            contribution = session.get(Contribution, existing.contribution_id) if existing else None
            if contribution is not None and contribution.status != "draft":
                return contribution.id, True
            if session.get(ClaimSkip, claim_id) is not None:
                raise Conflict("this item was skipped under this claim; claim the next item")
            now = self.clock()
            if claim.expires_at <= now:
                raise Conflict("this claim has expired and the item may be someone else's; claim the next item")
            task = session.get(Task, claim.task_id)
            item = session.get(TaskItem, claim.item_id)
            assert task is not None and item is not None  # foreign keys
            if task.status != "open":
                raise Conflict(f"task '{task.title}' is {task.status} and takes no submissions")
            content, digest = self._store(session, _checked_answer(session, claim.task_id, item, answer))
            seconds = int((now - claim.claimed_at).total_seconds())
            terms_json = canonical_json(clean_terms).decode()
            if contribution is not None and existing is not None:
                contribution.content_sha256, contribution.minutes, contribution.terms = digest, minutes, terms_json
                existing.answer, existing.measured_seconds = content.decode(), seconds
                return contribution.id, False
            contribution = Contribution(
                id=uuid.uuid4().hex,
                task_id=task.id,
                author_id=author.account_id,
                revises_id=None,
                round=1,
                content_sha256=digest,
                units=1,
                minutes=minutes,
                terms=terms_json,
                status="draft",
                created_at=now,
            )
            session.add(contribution)
            session.flush()
            session.add(
                ContributionAnswer(
                    contribution_id=contribution.id,
                    claim_id=claim_id,
                    item_id=item.id,
                    item_sha256=item.content_sha256,
                    answer=content.decode(),
                    measured_seconds=seconds,
                )
            )
            return contribution.id, False

    def draft_answer(self, author: Principal, contribution_id: str) -> DraftAnswer | None:
        """The item and answer of the author's contribution, if it answers an item (else None)."""
        with Session(self.engine) as session:
            row = session.get(ContributionAnswer, own(session, author, contribution_id).id)
            if row is None:
                return None
            item = session.get(TaskItem, row.item_id)
            assert item is not None  # a foreign key
            spec = spec_view(spec_of(session, item.task_id))
            item_view, answer = _item_view(session, item), json.loads(row.answer)
        return DraftAnswer(self.contributions.get(author, contribution_id, author_only=True), item_view, spec, answer)

    def edit_draft(self, author: Principal, contribution_id: str, answer: Any, minutes: int) -> ContributionView:
        """Rewrite a draft's answer (checked as when it was first given) and minutes; a submitted
        answer is never edited (it is revised). Refused, changing nothing, when it does not fit."""
        require_member(author)
        check_numbers(minutes, 1)
        with Session(self.engine) as session:
            row = own(session, author, contribution_id)
            answered = session.get(ContributionAnswer, row.id)
            status, revises, terms = row.status, row.revises_id, json.loads(row.terms)
            claim_id = answered.claim_id if answered else None
        if status != "draft":
            raise Conflict("a submitted answer is never edited; revise it instead")
        if claim_id is None:
            raise Conflict("this contribution does not answer an item")
        if revises is None:  # a first answer: as if answered again under its claim (which must be live)
            self.prepare(author, claim_id, answer, minutes, terms)
            return self.contributions.get(author, contribution_id, author_only=True)
        with write_session(self.engine) as session, session.begin():
            row = own(session, author, contribution_id)
            answered = session.get(ContributionAnswer, contribution_id)
            if row.status != "draft" or answered is None:
                raise Conflict("this draft was submitted or deleted meanwhile; nothing changed")
            task, item = session.get(Task, row.task_id), session.get(TaskItem, answered.item_id)
            claim = session.get(ItemClaim, answered.claim_id)
            assert task is not None and item is not None and claim is not None  # foreign keys
            if task.status != "open":
                raise Conflict(f"task '{task.title}' is {task.status} and takes no submissions")
            content, digest = self._store(session, _checked_answer(session, row.task_id, item, answer))
            row.content_sha256, row.minutes = digest, minutes
            answered.answer = content.decode()
            answered.measured_seconds = int((self.clock() - claim.claimed_at).total_seconds())
        return self.contributions.get(author, contribution_id, author_only=True)

    def _store(self, session: Session, normalised: dict[str, Any]) -> tuple[bytes, str]:
        """The answer's canonical JSON and its SHA-256, stored once in content_blob."""
        content = canonical_json(normalised)
        check_content(content, "application/json", self.max_content_bytes)
        digest = hashlib.sha256(content).hexdigest()
        if session.get(ContentBlob, digest) is None:
            insert_missing(
                session, ContentBlob, sha256=digest, media_type="application/json", size=len(content), data=content
            )
        return content, digest

    def receipt(self, author: Principal, claim_id: str) -> AnswerReceipt:
        with Session(self.engine) as session:
            own_claim(session, author, claim_id)
            row = session.scalar(select(ContributionAnswer).where(ContributionAnswer.claim_id == claim_id))
            if row is None:
                raise NotFound(f"no answer under claim {claim_id}")
            contribution_id = row.contribution_id
            fields = (row.item_id, row.item_sha256, json.loads(row.answer), row.measured_seconds)
        view = self.contributions.get(author, contribution_id, author_only=True)
        return AnswerReceipt(view, claim_id, *fields)


def _checked_answer(session: Session, task_id: str, item: TaskItem, answer: Any) -> dict[str, Any]:
    spec = spec_of(session, task_id)
    kind = check_answer_kind_stored(spec.answer_kind)
    ids: list[str] = []
    if kind == "ranking":  # only a ranking's answer depends on the item (its response ids): read it then only
        blob = session.get(ContentBlob, item.content_sha256)
        assert blob is not None  # a foreign key
        ids = response_ids(json.loads(blob.data))
    return check_answer(kind, json.loads(spec.config), answer, ids)
