"""Submitting a typed answer to a claimed item, through the contribution path.

The answer is checked against the task's answer spec (`coop.rules.answers.check_answer`; for a
ranking, against the item's response ids) and becomes a contribution whose content is the answer's
canonical JSON. Beside it (`ContributionAnswer`) are kept the item (id and SHA-256), the answer and
the seconds the server measured from the claim to this submission; the author's signed statement
commits to the item and the answer (`claim_models.answer_statement_fields`). Signing and submitting
are the contribution service's own (custodial password, or a statement the member signed).

One contribution per claim: the draft is made under the claim's row lock, and a claim whose answer
was submitted returns that contribution (a double click or retried request creates nothing). A
submission with a wrong password leaves the draft; the next attempt under the same claim re-checks
and rewrites it, and re-measures the time. A statement signed by the member's own key is checked in
the same transaction as its draft (coop.work.submit_next): a refused one leaves nothing. A draft is
also edited by its contribution's id (`edit_draft`): a first answer as if answered again under its
claim, a revision (coop.work.answer_revisions) with no claim to expire, timed from its start.

Response ids of an item are `coop.rules.answer_words.response_ids` (imported here for the pages).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotFound
from coop.kernel.principal import Principal
from coop.rules import consent
from coop.rules.answer_words import response_ids
from coop.work.answer_drafting import AnswerReceipt, checked_answer, draft_under_claim, store_answer
from coop.work.answer_specs import AnswerSpecView, spec_cached
from coop.work.ceiling_gate import refuse_if_held
from coop.work.claim_models import ContributionAnswer, ItemClaim
from coop.work.claims import ClaimView, claim_view, own_claim, require_member
from coop.work.contribution_checks import check_numbers
from coop.work.contribution_reading import own
from coop.work.contribution_views import ContributionView, view
from coop.work.contributions import ContributionService
from coop.work.items import ItemView, _item_view
from coop.work.models import Contribution, Task, TaskItem
from coop.work.submit_next import SubmitNext
from provenance.core.signing import SignedStatement

__all__ = ["AnswerReceipt", "DraftAnswer", "ItemAnswerService", "response_ids"]


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
        self.submit_next = SubmitNext(engine, contributions.keys, max_content_bytes, clock)

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
        """Submit the answer with a statement signed by the author's own key, in one transaction
        (coop.work.submit_next, without claiming the next item): a refused statement leaves nothing."""
        return self.submit_next.answer_signed(author, claim_id, answer, minutes, terms, statement, False).receipt

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
            drafted = draft_under_claim(
                session, author, claim_id, answer, minutes, clean_terms, self.clock(), self.max_content_bytes
            )
            return drafted.contribution.id, drafted.submitted

    def draft_answer(self, author: Principal, contribution_id: str) -> DraftAnswer | None:
        """The item and answer of the author's contribution, if it answers an item (else None)."""
        with Session(self.engine) as session:
            row = session.get(ContributionAnswer, own(session, author, contribution_id).id)
            if row is None:
                return None
            item = session.get(TaskItem, row.item_id)
            assert item is not None  # a foreign key
            spec = spec_cached(session, item.task_id)
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
            refuse_if_held(session, task, self.clock(), budget=False)
            normalised = checked_answer(session, row.task_id, item, answer)
            content, digest = store_answer(session, normalised, self.max_content_bytes)
            row.content_sha256, row.minutes = digest, minutes
            answered.answer = content.decode()
            answered.measured_seconds = int((self.clock() - claim.claimed_at).total_seconds())
        return self.contributions.get(author, contribution_id, author_only=True)

    def receipt(self, author: Principal, claim_id: str) -> AnswerReceipt:
        """The answer given under the author's claim: one read transaction."""
        with Session(self.engine) as session:
            return _receipt_in(session, author, claim_id)

    def claim_page(
        self, author: Principal, claim_id: str, answered: str | None
    ) -> tuple[ClaimView, AnswerReceipt | None, AnswerSpecView]:
        """What the item page reads of the work, in one read transaction: the member's claim with
        its item, the receipt of the answer under `answered` (None when there is none), the spec."""
        with Session(self.engine) as session:
            claim = claim_view(session, own_claim(session, author, claim_id))
            receipt = None
            if answered:
                try:
                    receipt = _receipt_in(session, author, answered)
                except NotFound:
                    receipt = None
            return claim, receipt, spec_cached(session, claim.task_id)


def _receipt_in(session: Session, author: Principal, claim_id: str) -> AnswerReceipt:
    """The receipt of the answer under the author's own claim: the claim, its answer and the
    contribution in one query (the item page after "Submit & next" shows it on every step)."""
    found = session.execute(
        select(ContributionAnswer, Contribution)
        .join(ItemClaim, ItemClaim.id == ContributionAnswer.claim_id)
        .join(Contribution, Contribution.id == ContributionAnswer.contribution_id)
        .where(
            ContributionAnswer.claim_id == claim_id,
            ItemClaim.account_id == author.account_id,
            Contribution.author_id == author.account_id,
        )
    ).first()
    if found is None:
        own_claim(session, author, claim_id)  # someone else's claim is "no such claim"
        raise NotFound(f"no answer under claim {claim_id}")
    row, contribution = found
    return AnswerReceipt(
        view(session, contribution, with_feedback=True),
        claim_id,
        row.item_id,
        row.item_sha256,
        json.loads(row.answer),
        row.measured_seconds,
    )
