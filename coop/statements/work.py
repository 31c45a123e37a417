"""Work's statement kinds: tasks opened, re-rated and flagged; their items imported and retired;
a task's answer spec; contributions, their acceptance, appeals of their rejection, adjudication when
agreement is below the minimum, and the revocation of their consent."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta

from coop.rules.answers import AnswerKind
from coop.rules.review import TaskKind
from coop.statements.fields import (
    Count,
    Currency,
    Exact,
    Id,
    KeyId,
    PolicyRef,
    Positive,
    PublicKey,
    Sha256,
    Signature,
    Terms,
    Time,
    Uses,
)

MAX_ANSWERS_PER_ITEM = 20  # k: how many people answer each item


class TaskOpened(Exact):
    task: Id
    kind: TaskKind
    rubric: PolicyRef
    pay_floor: PolicyRef
    pay_per_unit: Positive
    currency: Currency
    minutes_per_unit: Positive
    unit: Annotated[str, Meta(min_length=1, max_length=40)]
    intended_uses: Uses
    opened_by: Id
    time: Time


class TaskRateRaised(Exact):
    task: Id
    pay_per_unit: Positive
    pay_floor: PolicyRef
    by: Id
    time: Time


class TaskFlagged(Exact):
    task: Id
    hourly_rate: Count
    pay_floor: PolicyRef
    time: Time


class ItemsImported(Exact):
    """A batch's manifest: its items' SHA-256s, in position order, committed to as a count and a
    Merkle root (provenance.core.commitment.list_root), so a release can prove which items its
    judgments answer."""

    task: Id
    batch: Id
    item_count: Positive
    items_root: Sha256
    by: Id
    time: Time


class ItemRetired(Exact):
    """An item taken out of the work; the reason is kept beside the log as its SHA-256."""

    task: Id
    item: Id
    item_sha256: Sha256
    reason_sha256: Sha256
    by: Id
    time: Time


class AnswerSpecSet(Exact):
    """What an answer to the task's items is (coop.rules.answers, checked there), set once."""

    task: Id
    answer_kind: AnswerKind
    config: dict[str, Any]
    answers_per_item: Annotated[int, Meta(ge=1, le=MAX_ANSWERS_PER_ITEM)]
    by: Id
    time: Time


class ContributionBody(Exact):
    """A contribution; one that answers an item also commits to the item (id and SHA-256) and
    its typed answer. Statements without them (free-form work, and every older one) stay valid."""

    task: Id
    content_sha256: Sha256
    author: KeyId
    terms: Terms
    minutes: Positive
    units: Positive
    time: Time
    revises: Sha256 | None
    item: Id | None = None
    item_sha256: Sha256 | None = None
    answer: dict[str, Any] | None = None


class AuthorStatement(Exact):
    kind: Literal["contribution"]
    body: ContributionBody
    key: PublicKey
    sig: Signature


class Pay(Exact):
    per_unit: Positive
    units: Positive
    currency: Currency


class ContributionAccepted(Exact):
    statement: AuthorStatement
    review_digest: Sha256
    rubric: PolicyRef
    pay_floor: PolicyRef
    pay: Pay
    accepted_at: Time


class ConsentRevocation(Exact):
    contribution_entry: Count
    content_sha256: Sha256
    revokes: Literal["all future licenses"]


class AppealFiled(Exact):
    """An author appeals the rejection of their contribution; the reason is kept beside the log."""

    appeal: Id
    contribution: Id
    author: Id
    reason_sha256: Sha256
    time: Time


class AppealDecided(Exact):
    """A reviewer who took no part in the reviews decides an appeal; the reason is kept beside the log."""

    appeal: Id
    contribution: Id
    outcome: Literal["upheld", "overturned"]
    reason_sha256: Sha256
    by: Id
    time: Time


class BelowMinimum(Exact):
    """One figure the adjudication rule found below the minimum, in basis points of 1 (no floats in the log)."""

    figure: Annotated[str, Meta(min_length=1, max_length=100)]  # "task", or "criterion <name>"
    alpha_bps: Annotated[int, Meta(ge=-(2**31), le=10_000)]


class AdjudicationOpened(Exact):
    """A contribution its reviews would accept is held for adjudication: the task's agreement is
    below the minimum alpha of the `adjudication` policy cited."""

    adjudication: Id
    contribution: Id
    task: Id
    policy: PolicyRef
    items: Count  # items answered more than once when it was measured
    below: Annotated[list[BelowMinimum], Meta(min_length=1, max_length=64)]
    time: Time


class AdjudicationDecided(Exact):
    """A reviewer who took no part in the reviews decides; the reason is kept beside the log."""

    adjudication: Id
    contribution: Id
    outcome: Literal["accepted", "rejected"]
    reason_sha256: Sha256
    by: Id
    time: Time
