"""An answer to a claimed item made into its draft contribution, inside the caller's write
transaction: the claim locked, the answer checked against the task's spec (for a ranking, the
item's response ids), stored by its SHA-256, and the claim's one contribution drafted or rewritten.

`ItemAnswerService.prepare` runs it in a transaction of its own (the custodial path and the
statement request); "Submit & next" (coop.work.submit_next) runs it in the same transaction as
the signed submission and the next claim, so it is done once per step and undone by any refusal.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.kernel.db import insert_missing
from coop.kernel.errors import Conflict
from coop.kernel.principal import Principal
from coop.rules.answer_words import response_ids
from coop.rules.answers import check_answer
from coop.work.answer_specs import AnswerSpecView, spec_cached
from coop.work.ceiling_gate import refuse_if_held
from coop.work.claim_models import ClaimSkip, ContributionAnswer, ItemClaim
from coop.work.claims import own_claim
from coop.work.contribution_checks import check_content
from coop.work.contribution_views import ContributionView
from coop.work.models import ContentBlob, Contribution, Task, TaskItem
from provenance.core.canonical import canonical_json


@dataclass(frozen=True)
class AnswerReceipt:
    contribution: ContributionView
    claim_id: str
    item_id: str
    item_sha256: str
    answer: dict[str, Any]
    measured_seconds: int


@dataclass(frozen=True)
class Drafted:
    """The claim's contribution and answer row, and whether it was submitted before this call."""

    claim: ItemClaim
    contribution: Contribution
    answered: ContributionAnswer
    submitted: bool
    # Held while the transaction lasts, so later reads of them in it are the session's identity
    # map, not queries (the session keeps its objects only while something refers to them).
    task: Task | None = None
    spec: AnswerSpecView | None = None


def draft_under_claim(
    session: Session,
    author: Principal,
    claim_id: str,
    answer: Any,
    minutes: int,
    clean_terms: Mapping[str, Any],
    now: datetime,
    max_content_bytes: int = 1 << 20,
) -> Drafted:
    """The claim's contribution: drafted or rewritten now, unless already submitted (then as it is).
    Refused (the caller's transaction rolls back) when the claim or the answer does not fit."""
    claim = own_claim(session, author, claim_id, lock=True)  # one submission per claim at a time
    existing = session.scalar(select(ContributionAnswer).where(ContributionAnswer.claim_id == claim_id))
    contribution = session.get(Contribution, existing.contribution_id) if existing else None
    if contribution is not None and existing is not None and contribution.status != "draft":
        return Drafted(claim, contribution, existing, True)
    if session.get(ClaimSkip, claim_id) is not None:
        raise Conflict("this item was skipped under this claim; claim the next item")
    if claim.expires_at <= now:
        raise Conflict("this claim has expired and the item may be someone else's; claim the next item")
    task = session.get(Task, claim.task_id)
    item = session.get(TaskItem, claim.item_id)
    assert task is not None and item is not None  # foreign keys
    if task.status != "open":
        raise Conflict(f"task '{task.title}' is {task.status} and takes no submissions")
    refuse_if_held(session, task, now, budget=False)
    spec = spec_cached(session, task.id)
    content, digest = store_answer(session, checked_answer(session, claim.task_id, item, answer), max_content_bytes)
    seconds = int((now - claim.claimed_at).total_seconds())
    terms_json = canonical_json(dict(clean_terms)).decode()
    if contribution is not None and existing is not None:
        contribution.content_sha256, contribution.minutes, contribution.terms = digest, minutes, terms_json
        existing.answer, existing.measured_seconds = content.decode(), seconds
        return Drafted(claim, contribution, existing, False, task, spec)
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
    answered = ContributionAnswer(
        contribution_id=contribution.id,
        claim_id=claim_id,
        item_id=item.id,
        item_sha256=item.content_sha256,
        answer=content.decode(),
        measured_seconds=seconds,
    )
    session.add(answered)
    return Drafted(claim, contribution, answered, False, task, spec)


def store_answer(session: Session, normalised: dict[str, Any], max_content_bytes: int) -> tuple[bytes, str]:
    """The answer's canonical JSON and its SHA-256, stored once in content_blob."""
    content = canonical_json(normalised)
    check_content(content, "application/json", max_content_bytes)
    digest = hashlib.sha256(content).hexdigest()
    if session.get(ContentBlob, digest) is None:
        insert_missing(
            session, ContentBlob, sha256=digest, media_type="application/json", size=len(content), data=content
        )
    return content, digest


def checked_answer(session: Session, task_id: str, item: TaskItem, answer: Any) -> dict[str, Any]:
    """The answer in its normal form, checked against the task's spec."""
    spec = spec_cached(session, task_id)  # set once, never changed: read once per process
    kind = spec.answer_kind
    ids: list[str] = []
    if kind == "ranking":  # only a ranking's answer depends on the item (its response ids): read it then only
        blob = session.get(ContentBlob, item.content_sha256)
        assert blob is not None  # a foreign key
        ids = response_ids(json.loads(blob.data))
    return check_answer(kind, spec.config, answer, ids)
