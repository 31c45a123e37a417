"""A typed answer in words, for the person who judges it.

A reviewer should read an answer as its author meant it — "Prefers B" with the reason, a ranking
as an ordered list of the responses, each rubric score with the anchor that says what the score
means — not as the canonical JSON that was signed. These functions turn a normalised answer
(`coop.rules.answers.check_answer`'s output), the task's answer configuration and the item it
answers into that reading; they invent nothing, so everything shown is in the signed answer, the
spec or the item.

Response ids of an item: its `response_ids` field if it has one, else "A", "B", … for the entries
of its `responses` list (as pairwise choices name them).
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coop.rules.answers import AnswerKind

CHOICE_WORDS = {"A": "Prefers A", "B": "Prefers B", "tie": "Calls it a tie"}


@dataclass(frozen=True)
class AnswerInWords:
    """What the answer says: a headline, its points (in order when `ordered`), longer passages
    (a reason, the written answer, a corrected response) and the sources it cites."""

    headline: str
    points: list[str] = field(default_factory=list)
    ordered: bool = False
    passages: list[tuple[str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def response_ids(content: Mapping[str, Any]) -> list[str]:
    """The ids of an item's responses (see the module docstring); none if it offers no list."""
    given = content.get("response_ids")
    if isinstance(given, list):
        return [str(i) for i in given]
    responses = content.get("responses")
    if isinstance(responses, list):
        return list(string.ascii_uppercase[: len(responses)])
    return []


def response_texts(content: Mapping[str, Any]) -> dict[str, str]:
    """Each response's text by its id, when the item lists its responses beside the ids."""
    responses = content.get("responses")
    if not isinstance(responses, list):
        return {}
    ids = response_ids(content)
    return {
        rid: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for rid, value in zip(ids, responses, strict=False)
    }


def answer_in_words(
    kind: AnswerKind, config: Mapping[str, Any], answer: Mapping[str, Any], item: Mapping[str, Any]
) -> AnswerInWords:
    """The reading of a normalised answer of `kind` to `item`, under the task's `config`."""
    if kind == "pairwise":
        return AnswerInWords(CHOICE_WORDS[answer["choice"]], passages=[("Reason", answer["reason"])])
    if kind == "ranking":
        texts = response_texts(item)
        points = [f"{rid}: {texts[rid]}" if rid in texts else rid for rid in answer["order"]]
        return AnswerInWords("Ranks the responses, best first", points, ordered=True)
    if kind == "rubric":
        scores: Mapping[str, int] = answer["scores"]
        points = [
            f"{c['name']}: {scores[c['name']]} of {c['min']}–{c['max']} — {c['anchors'][str(scores[c['name']])]}"
            for c in config["criteria"]
        ]
        return AnswerInWords("Scores on the task's rubric", points)
    if kind == "classification":
        labels: list[str] = answer["labels"]
        return AnswerInWords("Labels" if len(labels) != 1 else "Label", list(labels))
    passages = [("Answer", str(answer["text"]))]
    if answer.get("edited"):
        passages.append(("Corrected response", str(answer["edited"])))
    return AnswerInWords("A written answer", passages=passages, sources=list(answer["sources"]))
