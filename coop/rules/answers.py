"""Typed answers: for each answer kind, the task configuration it needs and the answer it accepts.

A contribution to a task with items is an *answer* to one item. Each answer kind has a configuration
(set once per task: a rubric with anchors, a label set, what a written answer must carry) and an
answer schema; `check_config` and `check_answer` refuse what does not fit with a `Refused` naming the
field, and return the *normalised* value — exact keys, text stripped, labels in label-set order —
so the statement a member signs is canonical and re-checking it gives it back unchanged.

Answer kinds are not task kinds. `coop.rules.review.TASK_KINDS` says what the work is and which
rubric (`rubric.<task kind>`, a governed policy) judges it; adding a task kind needs a rubric policy
voted in, so the answer kinds map onto the existing task kinds instead (`ANSWER_KINDS_FOR_TASK`):
  ranking        → pairwise (A / B / tie with a reason; the ranking of two) or ranking (n responses)
  evaluation     → rubric (each criterion on its anchored scale), classification, or pairwise
  expert-answer, correction, rubric-writing, demonstration → written (free text, optionally an
                   edited version of the item's response, and sources)
Every size is bounded by the named constants below, so an answer always fits one log entry.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from coop.kernel.errors import Refused
from coop.rules.review import TaskKind, check_scores

AnswerKind = Literal["pairwise", "ranking", "rubric", "classification", "written"]
ANSWER_KINDS: tuple[AnswerKind, ...] = get_args(AnswerKind)

ANSWER_KINDS_FOR_TASK: dict[TaskKind, tuple[AnswerKind, ...]] = {
    "expert-answer": ("written",),
    "ranking": ("pairwise", "ranking"),
    "rubric-writing": ("written",),
    "evaluation": ("rubric", "classification", "pairwise"),
    "correction": ("written",),
    "demonstration": ("written",),
}

CHOICES = ("A", "B", "tie")
EDIT_RULES = ("none", "optional", "required")

MAX_REASON_CHARS = 2_000  # a pairwise preference's reason
MAX_TEXT_CHARS = 20_000  # a written answer, and an edited version of the item's response
MAX_SOURCES = 20
MAX_SOURCE_CHARS = 500  # one URL or citation
MAX_RESPONSES = 20  # responses an item offers for ranking
MAX_ID_CHARS = 64  # a response id
MAX_LABELS = 50
MAX_LABEL_CHARS = 80
# A rubric's bounds are those of a rubric policy's criteria (coop/statements/policies.py `Criterion`).
MAX_CRITERIA = 8
MAX_NAME_CHARS = 40  # a criterion's name
MAX_DESCRIPTION_CHARS = 300  # a criterion's description, and each anchor
MAX_SCALE_POINTS = 11  # scores a criterion's scale may have (e.g. 0–10)

# The exact keys of each kind's answer and configuration: the schema at a glance.
ANSWER_FIELDS: dict[AnswerKind, tuple[str, ...]] = {
    "pairwise": ("choice", "reason"),
    "ranking": ("order",),
    "rubric": ("scores",),
    "classification": ("labels",),
    "written": ("text", "edited", "sources"),
}
CONFIG_FIELDS: dict[AnswerKind, tuple[str, ...]] = {
    "pairwise": ("allow_tie",),
    "ranking": (),
    "rubric": ("criteria",),
    "classification": ("labels", "multi", "min", "max"),
    "written": ("edit", "min_sources"),
}


def check_answer_kind(task_kind: TaskKind, answer_kind: str) -> AnswerKind:
    """Refuse an answer kind that the task kind does not take (see the module's mapping)."""
    allowed = ANSWER_KINDS_FOR_TASK[task_kind]
    for kind in allowed:
        if kind == answer_kind:
            return kind
    raise Refused(f"answer kind must be one of {', '.join(allowed)} for a {task_kind} task")


def check_config(kind: AnswerKind, config: Any) -> dict[str, Any]:
    """The normalised configuration of a task whose items take answers of `kind`."""
    _known(kind)
    fields = _exact(config, CONFIG_FIELDS[kind], "config", optional=("min", "max"))
    if kind == "pairwise":
        return {"allow_tie": _flag(fields["allow_tie"], "allow_tie")}
    if kind == "ranking":
        return {}
    if kind == "rubric":
        return {"criteria": _criteria(fields["criteria"])}
    if kind == "classification":
        return _classification_config(fields)
    if fields["edit"] not in EDIT_RULES:
        raise Refused(f"edit must be one of {', '.join(EDIT_RULES)}")
    min_sources = _whole(fields["min_sources"], "min_sources", 0, MAX_SOURCES)
    return {"edit": fields["edit"], "min_sources": min_sources}


def check_answer(
    kind: AnswerKind, config: Mapping[str, Any], answer: Any, response_ids: Sequence[str] = ()
) -> dict[str, Any]:
    """The normalised answer, given the task's (normalised) configuration and, for a ranking, the
    ids of the responses the item offers."""
    _known(kind)
    fields = _exact(answer, ANSWER_FIELDS[kind], "answer")
    if kind == "pairwise":
        return _pairwise(fields, config)
    if kind == "ranking":
        return {"order": check_ranking(fields["order"], response_ids)}
    if kind == "rubric":
        if not isinstance(fields["scores"], dict):
            raise Refused("scores must be an object of criterion name to score")
        return {"scores": check_scores(config["criteria"], fields["scores"])}
    if kind == "classification":
        return {"labels": _chosen_labels(fields["labels"], config)}
    return _written(fields, config)


def check_ranking(order: Any, response_ids: Sequence[str]) -> list[str]:
    """A ranking is a permutation of the item's response ids: every one of them, each once."""
    ids = _response_ids(response_ids)
    if not isinstance(order, list) or not all(isinstance(i, str) for i in order):
        raise Refused("order must be a list of response ids")
    if len(order) > len(ids):
        raise Refused(f"order ranks the item's {len(ids)} responses, not {len(order)}")
    if len(order) != len(set(order)):
        raise Refused("order names a response more than once")
    if set(order) != set(ids):
        missing, unknown = sorted(set(ids) - set(order)), sorted(set(order) - set(ids))
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unknown {', '.join(u[:MAX_ID_CHARS] for u in unknown[:5])}"] if unknown else []
        )
        raise Refused(f"order must rank every response once ({'; '.join(problems)})")
    return list(order)


def _response_ids(response_ids: Sequence[str]) -> list[str]:
    ids = list(response_ids)
    if not 2 <= len(ids) <= MAX_RESPONSES:
        raise Refused(f"an item to rank offers from 2 to {MAX_RESPONSES} responses")
    for response_id in ids:
        _text(response_id, "response id", MAX_ID_CHARS)
    if len(ids) != len(set(ids)):
        raise Refused("an item's response ids are distinct")
    return ids


def _pairwise(fields: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    choices = CHOICES if config["allow_tie"] else CHOICES[:2]
    if fields["choice"] not in choices:
        raise Refused(f"choice must be one of {', '.join(choices)}")
    return {"choice": fields["choice"], "reason": _text(fields["reason"], "reason", MAX_REASON_CHARS)}


def _criteria(value: Any) -> list[dict[str, Any]]:
    """A rubric's criteria: a name, a description, a whole-number scale and one anchor per score."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_CRITERIA:
        raise Refused(f"criteria must be a list of 1 to {MAX_CRITERIA} criteria")
    criteria = []
    for criterion in value:
        fields = _exact(criterion, ("name", "description", "min", "max", "anchors"), "criterion")
        name = _text(fields["name"], "criterion name", MAX_NAME_CHARS)
        low = _whole(fields["min"], f"{name}: min", 0, MAX_SCALE_POINTS - 1)
        high = _whole(fields["max"], f"{name}: max", low + 1, low + MAX_SCALE_POINTS - 1)
        anchors = fields["anchors"]
        scores = [str(score) for score in range(low, high + 1)]
        if not isinstance(anchors, dict) or sorted(anchors, key=str) != sorted(scores):
            raise Refused(f"{name}: anchors must describe every score from {low} to {high}, each once")
        criteria.append(
            {
                "name": name,
                "description": _text(fields["description"], f"{name}: description", MAX_DESCRIPTION_CHARS),
                "min": low,
                "max": high,
                "anchors": {s: _text(anchors[s], f"{name}: anchor {s}", MAX_DESCRIPTION_CHARS) for s in scores},
            }
        )
    if len({c["name"] for c in criteria}) != len(criteria):
        raise Refused("criterion names must be distinct")
    return criteria


def _classification_config(fields: Mapping[str, Any]) -> dict[str, Any]:
    labels = fields["labels"]
    if not isinstance(labels, list) or not 2 <= len(labels) <= MAX_LABELS:
        raise Refused(f"labels must be a list of 2 to {MAX_LABELS} labels")
    labels = [_text(label, "label", MAX_LABEL_CHARS) for label in labels]
    if len(set(labels)) != len(labels):
        raise Refused("labels must be distinct")
    multi = _flag(fields["multi"], "multi")
    if not multi:
        if fields.get("min", 1) != 1 or fields.get("max", 1) != 1:
            raise Refused("min and max are 1 when multi is false (one label per answer)")
        return {"labels": labels, "multi": False, "min": 1, "max": 1}
    low = _whole(fields.get("min", 1), "min", 0, len(labels))
    high = _whole(fields.get("max", len(labels)), "max", max(low, 1), len(labels))
    return {"labels": labels, "multi": True, "min": low, "max": high}


def _chosen_labels(value: Any, config: Mapping[str, Any]) -> list[str]:
    """The labels chosen, in the label set's order (so equal answers are equal statements)."""
    label_set: list[str] = config["labels"]
    if not isinstance(value, list) or not all(isinstance(label, str) for label in value):
        raise Refused("labels must be a list of labels from the task's label set")
    unknown = [label for label in value if label not in label_set]
    if unknown:
        raise Refused(f"labels: {unknown[0][:MAX_LABEL_CHARS]!r} is not in the task's label set")
    if len(set(value)) != len(value):
        raise Refused("labels names a label more than once")
    low, high = config["min"], config["max"]
    if not low <= len(value) <= high:
        count = f"exactly {low}" if low == high else f"from {low} to {high}"
        raise Refused(f"labels must hold {count} label{'s' if high > 1 else ''}")
    return [label for label in label_set if label in value]


def _written(fields: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    text = _text(fields["text"], "text", MAX_TEXT_CHARS)
    edited = fields["edited"]
    if config["edit"] == "none" and edited is not None:
        raise Refused("edited must be null: this task does not edit a response")
    if config["edit"] == "required" and edited is None:
        raise Refused("edited is required: give the corrected version of the response")
    if edited is not None:
        edited = _text(edited, "edited", MAX_TEXT_CHARS)
    sources = fields["sources"]
    if not isinstance(sources, list) or len(sources) > MAX_SOURCES:
        raise Refused(f"sources must be a list of at most {MAX_SOURCES} URLs or citations")
    sources = [_source(source) for source in sources]
    if len(set(sources)) != len(sources):
        raise Refused("sources names a source more than once")
    if len(sources) < config["min_sources"]:
        raise Refused(f"sources must hold at least {config['min_sources']} URLs or citations")
    return {"text": text, "edited": edited, "sources": sources}


def _source(value: Any) -> str:
    """A URL (http or https, with a host, no spaces) or a citation (any other short text)."""
    source = _text(value, "sources", MAX_SOURCE_CHARS)
    if source.lower().startswith(("http://", "https://")) and not _valid_url(source):
        raise Refused(f"sources: {source[:80]!r} is not a valid URL")
    return source


def _valid_url(source: str) -> bool:
    if any(c.isspace() for c in source):
        return False
    try:
        return bool(urlsplit(source).hostname)
    except ValueError:  # e.g. an unclosed [IPv6] host
        return False


def _known(kind: str) -> None:
    """Callers pass a kind read back from storage, so an unknown one is refused, not a KeyError."""
    if kind not in ANSWER_KINDS:
        raise Refused(f"answer kind must be one of {', '.join(ANSWER_KINDS)}")


def _exact(value: Any, keys: Sequence[str], what: str, optional: Sequence[str] = ()) -> dict[str, Any]:
    """An object with exactly `keys` (those in `optional` may be left out)."""
    if not isinstance(value, dict):
        raise Refused(f"{what} must be an object with {', '.join(keys) or 'no fields'}")
    unknown = sorted(str(k) for k in value if k not in keys)
    if unknown:
        raise Refused(f"{what}: unknown field {unknown[0][:MAX_NAME_CHARS]!r}")
    missing = [k for k in keys if k not in value and k not in optional]
    if missing:
        raise Refused(f"{what}: {missing[0]} is required")
    return dict(value)


def _text(value: Any, field: str, limit: int) -> str:
    """Non-empty text of at most `limit` characters, surrounding whitespace stripped, no control
    characters but newlines and tabs."""
    if not isinstance(value, str) or not value.strip():
        raise Refused(f"{field} must be non-empty text")
    text = value.strip()
    if len(text) > limit:
        raise Refused(f"{field} is at most {limit} characters (got {len(text)})")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise Refused(f"{field} must not contain control characters")
    return text


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise Refused(f"{field} must be true or false")
    return value


def _whole(value: Any, field: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Refused(f"{field} must be a whole number from {low} to {high}")
    return value
