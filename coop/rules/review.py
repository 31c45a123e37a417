"""The rubric's rules: the kinds of task, scoring a review and the acceptance decision.

Integer arithmetic only (percentages as whole numbers), so a member can redo every decision by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from coop.kernel.errors import Refused

TaskKind = Literal["expert-answer", "ranking", "rubric-writing", "evaluation", "correction", "demonstration"]
TASK_KINDS: tuple[TaskKind, ...] = get_args(TaskKind)


def check_scores(criteria: Sequence[Mapping[str, Any]], scores: Mapping[str, int]) -> dict[str, int]:
    names = [c["name"] for c in criteria]
    if set(scores) != set(names):
        raise Refused(f"score every criterion exactly once: {', '.join(names)}")
    for criterion in criteria:
        value = scores[criterion["name"]]
        if not isinstance(value, int) or isinstance(value, bool) or not criterion["min"] <= value <= criterion["max"]:
            raise Refused(f"{criterion['name']} must be a whole number from {criterion['min']} to {criterion['max']}")
    return {name: int(scores[name]) for name in names}


def review_percent(criteria: Sequence[Mapping[str, Any]], scores: Mapping[str, int]) -> int:
    """A review's score as a whole percentage of the maximum (rounded down)."""
    top = sum(int(c["max"]) for c in criteria)
    return sum(int(scores[c["name"]]) for c in criteria) * 100 // top


# "adjudication" is never decide's: the review service says it when the minimum-alpha rule holds back
# work the rubric would accept (coop.work.adjudication_gate).
Outcome = Literal["pending", "more-reviews", "accepted", "revision-requested", "rejected", "adjudication"]


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str
    average_pct: int | None = None


def decide(
    criteria: Sequence[Mapping[str, Any]],
    acceptance: Mapping[str, Any],
    review_scores: Sequence[Mapping[str, int]],
    round_number: int,
) -> Decision:
    """The rubric's acceptance rule applied to this round's reviews."""
    required, most = int(acceptance["reviews_required"]), int(acceptance["max_reviews"])
    if len(review_scores) < required:
        return Decision("pending", f"{len(review_scores)} of {required} reviews")
    percents = [review_percent(criteria, s) for s in review_scores]
    spread = max(percents) - min(percents)
    if spread > int(acceptance["max_spread_pct"]) and len(review_scores) < most:
        return Decision(
            "more-reviews",
            f"reviewers disagree by {spread} points (more than {acceptance['max_spread_pct']}): one more review",
        )
    average = sum(percents) // len(percents)
    if average >= int(acceptance["accept_min_average_pct"]):
        return Decision("accepted", f"average {average}% ≥ {acceptance['accept_min_average_pct']}%", average)
    if average >= int(acceptance["revise_min_average_pct"]):
        if round_number <= int(acceptance["max_revision_rounds"]):
            return Decision(
                "revision-requested",
                f"average {average}% is below {acceptance['accept_min_average_pct']}%: revise and resubmit",
                average,
            )
        return Decision("rejected", f"average {average}% after the last allowed revision round", average)
    return Decision("rejected", f"average {average}% is below {acceptance['revise_min_average_pct']}%", average)


def acceptance_in_words(acceptance: Mapping[str, Any]) -> list[str]:
    """The acceptance rule as a reviewer reads it before scoring: the same numbers `decide` uses."""
    return [
        f"{acceptance['reviews_required']} reviews are required (at most {acceptance['max_reviews']}).",
        f"If the reviews differ by more than {acceptance['max_spread_pct']} points, one more review is asked for.",
        f"An average of {acceptance['accept_min_average_pct']}% or more accepts the work.",
        f"An average from {acceptance['revise_min_average_pct']}% up to that asks for a revision "
        f"(at most {acceptance['max_revision_rounds']} rounds).",
        f"Below {acceptance['revise_min_average_pct']}% rejects it.",
    ]
