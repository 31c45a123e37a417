""" "Submit & next" in one transaction: the answer to a claimed item, signed by the member's own
key, is drafted, checked against the signed statement and submitted, and the member's next item is
claimed — one write transaction, one commit, no draft left behind by a refusal.

Why one transaction: the step used to be four requests (the statement to sign, the answer, the
claim, the page), the draft written twice (once to compute the statement, once to submit) and
three commits. The statement a member signs is computable on their machine from what the claim
shows and their answer (docs/submit-and-next.md), so the answer can come signed in the first
request. Nothing is weakened: the statement's kind and schema, its signature and that the key was
the author's valid key are checked before the transaction opens (pure CPU and one read); the body
is compared with the draft, the clock skew and consent terms checked (coop.work.signed_submission);
the claim's row is locked while its one contribution is written (coop.work.answer_drafting), and
the next claim takes the task's row lock as every claim does (coop.work.claims.claim_next_in).

Idempotent: a retried request finds the claim's contribution submitted and returns the same receipt,
and the next claim is the member's live claim on the task, i.e. the same one. Any refusal rolls the
whole transaction back: no draft, no submission, no claim. When nothing is left to claim (or the
task closed meanwhile), the answer still counts and `next` is None with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.db import write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound
from coop.kernel.principal import Principal
from coop.membership.keys import KeyService
from coop.rules import consent
from coop.work.answer_drafting import AnswerReceipt, Drafted, draft_under_claim
from coop.work.claims import ClaimView, claim_next_in, claim_view, require_member
from coop.work.contribution_checks import check_numbers
from coop.work.contribution_views import view
from coop.work.models import Contribution
from coop.work.signed_submission import checked_statement, sign_draft
from provenance.core.signing import SignedStatement


@dataclass(frozen=True)
class SubmittedAndNext:
    receipt: AnswerReceipt
    next: ClaimView | None
    next_refused: str | None  # why there is no next claim (nothing left, the task closed)


class SubmitNext:
    def __init__(self, engine: Engine, keys: KeyService, max_content_bytes: int, clock: Callable[[], datetime]):
        self.engine = engine
        self.keys = keys
        self.max_content_bytes = max_content_bytes
        self.clock = clock

    def answer_signed(
        self,
        author: Principal,
        claim_id: str,
        answer: Any,
        minutes: int,
        terms: Mapping[str, Any],
        statement: SignedStatement,
        claim_next: bool = True,
    ) -> SubmittedAndNext:
        """Answer the claim with the statement the author signed; then (`claim_next`) claim the next
        item of the same task, in the same transaction."""
        require_member(author)
        clean_terms = consent.check_terms(terms)
        check_numbers(minutes, 1)
        canonical, digest = checked_statement(statement)
        key = self.keys.verify_member_statement(statement)
        if key.account_id != author.account_id:
            raise NotAllowed("the statement is signed by someone else's key")
        with write_session(self.engine) as session, session.begin():
            now = self.clock()
            drafted = draft_under_claim(
                session, author, claim_id, answer, minutes, clean_terms, now, self.max_content_bytes
            )
            if not drafted.submitted:
                other = session.scalar(select(Contribution.id).where(Contribution.statement_sha256 == digest))
                if other is not None:
                    raise Conflict("this signed statement was already submitted for other work; nothing changed")
                sign_draft(session, drafted.contribution, statement, key.key_id, canonical, digest, now)
            receipt = _receipt(session, drafted)
            if not claim_next:
                return SubmittedAndNext(receipt, None, None)
            try:
                following = claim_next_in(session, author, drafted.claim.task_id, now)
            except (NotFound, Conflict) as nothing:  # the answer still counts
                return SubmittedAndNext(receipt, None, str(nothing))
            return SubmittedAndNext(receipt, claim_view(session, following), None)


def _receipt(session: Session, drafted: Drafted) -> AnswerReceipt:
    """The receipt from the rows just written (the author's view of their contribution)."""
    answered = drafted.answered
    return AnswerReceipt(
        view(session, drafted.contribution, with_feedback=True),
        answered.claim_id,
        answered.item_id,
        answered.item_sha256,
        json.loads(answered.answer),
        answered.measured_seconds,
    )
