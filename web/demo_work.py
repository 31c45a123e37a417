"""Seeding the demo's item work through the real services, as members would do it.

For each answer kind (web/demo_items.py): a steward opens the task, imports its items and sets its
answer spec; then the first `ANSWERED_ITEMS` items are each answered by `ANSWERS_PER_ITEM` demo
members (claim the next item → answer with their custodial key), so every task has agreement data.
One answer to the written task is rejected by two reviewers, appealed by its author and decided by
a reviewer who took no part (the steward). Kept small: each answer is signed with a password-held
key, which is what takes the time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from coop.kernel.principal import Principal
from web.demo_items import ItemTask, item_tasks
from web.runtime import Runtime

ANSWERED_ITEMS = 3  # per task: enough items answered several times for alpha to be defined
ANSWERS_PER_ITEM = 3


def seed_item_work(
    runtime: Runtime,
    steward: Principal,
    members: Sequence[Principal],
    reviewers: Sequence[Principal],
    terms: dict[str, Any],
    password: str,
) -> int:
    """Open, fill and partly answer one task per answer kind, then one appealed rejection; the
    number of answers submitted."""
    answered = 0
    written_receipt = None
    for item_task in item_tasks():
        task = _open_with_items(runtime, steward, item_task)
        for item_index in range(ANSWERED_ITEMS):
            for member_index, member in enumerate(members[:ANSWERS_PER_ITEM]):
                claim = runtime.claims.claim_next(member, task.id)
                receipt = runtime.item_answers.answer_with_password(
                    member,
                    claim.id,
                    item_task.answer(item_index, member_index),
                    item_task.spec.minutes_per_unit,
                    terms,
                    password,
                )
                answered += 1
                if item_task.answer_kind == "written" and written_receipt is None:
                    written_receipt = (member, receipt.contribution.id)
    assert written_receipt is not None  # the written task is always among the item tasks
    _reject_and_appeal(runtime, steward, reviewers, *written_receipt)
    return answered


def _open_with_items(runtime: Runtime, steward: Principal, item_task: ItemTask) -> Any:
    task = runtime.tasks.open(steward, item_task.spec)
    lines = "\n".join(json.dumps(item) for item in item_task.items)
    runtime.items.import_batch(steward, task.id, "jsonl", lines)
    runtime.answer_specs.set(steward, task.id, item_task.answer_kind, item_task.config, ANSWERS_PER_ITEM)
    return task


def _reject_and_appeal(
    runtime: Runtime, steward: Principal, reviewers: Sequence[Principal], author: Principal, contribution_id: str
) -> None:
    """Two reviewers reject the answer; its author appeals; the steward, who reviewed nothing, decides."""
    rubric = runtime.reviews.rubric_for(contribution_id)
    for reviewer in reviewers:
        if reviewer.account_id == author.account_id:
            continue
        scores = {c["name"]: 1 for c in rubric["criteria"]}
        runtime.reviews.review(reviewer, contribution_id, scores, "The corrected version is not needed here.")
    runtime.appeals.appeal(
        author, contribution_id, "The reply really was over-confident; the correction is what the task asked for."
    )
    appeal = runtime.appeals.for_contribution(author, contribution_id)
    assert appeal is not None
    runtime.appeals.decide(
        steward, appeal.id, "overturned", "The instructions ask for a corrected version; the answer gives one."
    )
