"""Reading a steward's answer-spec form into the configuration of coop.rules.answers.

The form holds a fieldset for every answer kind; only the chosen kind's fields are read. The
configuration is then checked by `coop.rules.answers.check_config` (through the answer-spec
service), so this module only turns form text into the JSON shape: checkboxes into true/false,
numbers into whole numbers, a textarea of labels into a list, and a rubric criterion's anchors —
one line per score, from its lowest to its highest — into the score-to-anchor object.
"""

from __future__ import annotations

from typing import Any

from coop.kernel.errors import Refused
from coop.rules.answers import ANSWER_KINDS, MAX_CRITERIA
from web.portal.common import int_value, text_value

CRITERION_SLOTS = MAX_CRITERIA  # criteria the form offers (a blank name leaves a slot unused)


def config_from_form(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The configuration the form gives for answers of `kind` (checked afterwards)."""
    if kind not in ANSWER_KINDS:
        raise Refused(f"answer kind must be one of {', '.join(ANSWER_KINDS)}")
    if kind == "pairwise":
        return {"allow_tie": _checked(data, "allow_tie")}
    if kind == "ranking":
        return {}  # the responses to rank are each item's own
    if kind == "rubric":
        return {"criteria": [_criterion(data, slot) for slot in _used_slots(data)]}
    if kind == "classification":
        config: dict[str, Any] = {"labels": _lines(data, "labels"), "multi": _checked(data, "multi")}
        for bound in ("min", "max"):
            if config["multi"] and text_value(data, bound).strip():
                config[bound] = int_value(data, bound, f"{bound} labels")
        return config
    return {"edit": text_value(data, "edit"), "min_sources": int_value(data, "min_sources", "min_sources")}


def _checked(data: dict[str, Any], name: str) -> bool:
    return bool(text_value(data, name))


def _lines(data: dict[str, Any], name: str) -> list[str]:
    return [line.strip() for line in text_value(data, name).splitlines() if line.strip()]


def _used_slots(data: dict[str, Any]) -> list[int]:
    return [slot for slot in range(1, CRITERION_SLOTS + 1) if text_value(data, f"criterion-{slot}-name").strip()]


def _criterion(data: dict[str, Any], slot: int) -> dict[str, Any]:
    prefix = f"criterion-{slot}"
    name = text_value(data, f"{prefix}-name").strip()
    low = int_value(data, f"{prefix}-min", f"{name}: min")
    high = int_value(data, f"{prefix}-max", f"{name}: max")
    if high <= low:
        raise Refused(f"{name}: max must be above min")
    anchors = _lines(data, f"{prefix}-anchors")
    scores = [str(score) for score in range(low, high + 1)]
    if len(anchors) != len(scores):
        raise Refused(
            f"{name}: anchors must describe every score from {low} to {high}, one line each "
            f"({len(scores)} lines, not {len(anchors)})"
        )
    return {
        "name": name,
        "description": text_value(data, f"{prefix}-description"),
        "min": low,
        "max": high,
        "anchors": {score: _without_score(score, line) for score, line in zip(scores, anchors, strict=True)},
    }


def _without_score(score: str, line: str) -> str:
    """An anchor line may start with its score ("3: cites a guideline"); the score is not the anchor."""
    for separator in (":", " -", " –", " —", "."):
        if line.startswith(score + separator):
            return line[len(score + separator) :].strip()
    return line
