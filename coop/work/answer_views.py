"""What a reviewer reads of an answer to an item: the item as its author saw it, the answer in
words, and the task's answer spec and guidelines (its instructions) that the answer followed.

A reviewer judges an answer against what was asked, so the review page shows these before the
scoring form. They are read in one query (the answer row joined to its item, the item's stored
content, the task's spec and the task), whatever the kind of answer; the reading itself is
`coop.rules.answer_words`. Who may see it is the caller's check (`ContributionReading`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.rules.answer_words import AnswerInWords, answer_in_words, response_ids
from coop.rules.answers import AnswerKind
from coop.work.answer_specs import check_answer_kind_stored
from coop.work.claim_models import AnswerSpec, ContributionAnswer
from coop.work.models import ContentBlob, Task, TaskItem


@dataclass(frozen=True)
class AnsweredItem:
    contribution_id: str
    item_id: str
    item_sha256: str
    item_position: int  # 0-based, within its batch
    item: dict[str, Any]  # the item's content, as the contributor's work page showed it
    responses: list[str]  # the item's response ids
    answer_kind: AnswerKind
    spec: dict[str, Any]  # the task's answer configuration (a rubric's anchors, a label set, …)
    answer: dict[str, Any]  # the normalised answer, as signed
    in_words: AnswerInWords
    guidelines: str  # the task's instructions
    measured_seconds: int


def answered_item(session: Session, contribution_id: str) -> AnsweredItem | None:
    """The item this contribution answers and the answer in words; None for free-form work."""
    row = session.execute(
        select(
            ContributionAnswer.item_id,
            ContributionAnswer.item_sha256,
            ContributionAnswer.answer,
            ContributionAnswer.measured_seconds,
            TaskItem.position,
            ContentBlob.data,
            AnswerSpec.answer_kind,
            AnswerSpec.config,
            Task.instructions,
        )
        .join(TaskItem, TaskItem.id == ContributionAnswer.item_id)
        .join(ContentBlob, ContentBlob.sha256 == ContributionAnswer.item_sha256)
        .join(Task, Task.id == TaskItem.task_id)
        .join(AnswerSpec, AnswerSpec.task_id == TaskItem.task_id)
        .where(ContributionAnswer.contribution_id == contribution_id)
    ).one_or_none()
    if row is None:
        return None
    item_id, item_sha256, answer_json, seconds, position, item_data, kind_stored, config_json, instructions = row
    item, answer, config = json.loads(item_data), json.loads(answer_json), json.loads(config_json)
    kind = check_answer_kind_stored(kind_stored)
    return AnsweredItem(
        contribution_id,
        item_id,
        item_sha256,
        position,
        item,
        response_ids(item),
        kind,
        config,
        answer,
        answer_in_words(kind, config, answer, item),
        instructions,
        seconds,
    )
