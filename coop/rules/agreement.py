"""Agreement between contributors: Krippendorff's alpha, each contributor's agreement with the consensus,
and the minimum-alpha rule that sends a task's items to adjudication.

Plain data in, plain data out. The input is a list of answers, each an (item id, coder id, value)
triple: the shape the work domain stores, so nothing has to be pivoted into a coders × items matrix
by the caller. Alpha itself is computed by the `krippendorff` package (an independent, published
implementation; our part is only counting values per item), so a member can check a figure with
the same package on the same triples.

Levels of measurement: "nominal" for labels and pairwise preferences (A / B / tie: any two different
values disagree equally), "ordinal" for rubric scores read as ranks, "interval" for scores read as
numbers (a 1 against a 5 disagrees sixteen times more than a 1 against a 2).

What counts: only items answered at least twice (an item answered once cannot disagree with anything).
When no item is answered twice, or every counted answer has the same value (alpha is 0/0: there is
no variation to agree about), alpha is None with the reason, never 0 (0 would say "agreement no better
than chance", which nothing measured says).

Memory: the package forms a few items × values × values arrays of
8 · items · values² bytes each (33,000 items on a 5-point scale: 6.6 MB; 100 distinct labels: 2.6 GB);
labels and rubric scales are small, free-valued interval data is not what this is for.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, get_args

import krippendorff
import numpy as np

from coop.kernel.errors import Refused

Level = Literal["nominal", "ordinal", "interval"]
LEVELS: tuple[Level, ...] = get_args(Level)

Value = str | int | float
Answer = tuple[Hashable, Hashable, Value]
"""(item id, coder id, value): one contributor's answer to one item."""


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha over the items answered at least twice; `value` is None when undefined."""

    value: float | None
    reason: str
    items: int  # items answered at least twice (the ones counted)
    answers: int  # answers on those items (Krippendorff's n, the pairable values)


@dataclass(frozen=True)
class CoderAgreement:
    """One coder's answers on items answered at least twice, compared with the consensus of the others.

    `matched` of `compared` answers equal the others' consensus; `undecided` answers had none to compare
    with (the others were tied) and are in neither count."""

    coder: Hashable
    compared: int
    matched: int
    undecided: int

    @property
    def share(self) -> Fraction | None:
        """matched / compared, exactly; None when nothing could be compared."""
        return Fraction(self.matched, self.compared) if self.compared else None


@dataclass(frozen=True)
class Adjudication:
    """Whether a task's items go to adjudication instead of acceptance, and why."""

    required: bool
    reason: str


def _check(answers: Sequence[Answer], level: Level) -> None:
    if level not in LEVELS:
        raise Refused(f"level of measurement must be one of {', '.join(LEVELS)}, not {level!r}")
    seen: set[tuple[Hashable, Hashable]] = set()
    for item, coder, value in answers:
        if (item, coder) in seen:
            raise Refused(f"coder {coder!r} answered item {item!r} more than once: give one answer per coder and item")
        seen.add((item, coder))
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Refused(f"answer {value!r} to item {item!r} is not a label or a number")
        if level != "nominal" and (isinstance(value, str) or not math.isfinite(value)):
            raise Refused(f"{level} answers must be finite numbers; item {item!r} has {value!r}")


def _multiply_answered(answers: Sequence[Answer]) -> dict[Hashable, list[tuple[Hashable, Value]]]:
    """Item → [(coder, value)], only for items answered at least twice, in the order given."""
    by_item: dict[Hashable, list[tuple[Hashable, Value]]] = {}
    for item, coder, value in answers:
        by_item.setdefault(item, []).append((coder, value))
    return {item: given for item, given in by_item.items() if len(given) >= 2}


def alpha(answers: Sequence[Answer], level: Level) -> Alpha:
    """Krippendorff's alpha of the answers at this level of measurement, by the `krippendorff` package.

    Counts each counted item's values (an items × values matrix) and hands the package that matrix with
    the value domain (sorted for ordinal and interval, whose distances depend on order and size)."""
    _check(answers, level)
    item_index: dict[Hashable, int] = {}
    value_index: dict[Value, int] = {}
    item_of = np.empty(len(answers), dtype=np.int64)
    value_of = np.empty(len(answers), dtype=np.int64)
    for row, (item, _coder, value) in enumerate(answers):
        item_of[row] = item_index.setdefault(item, len(item_index))
        value_of[row] = value_index.setdefault(value, len(value_index))
    per_item = np.bincount(item_of, minlength=len(item_index))
    counted = per_item[item_of] >= 2
    items, pairable = int(np.count_nonzero(per_item >= 2)), int(np.count_nonzero(counted))
    if items == 0:
        return Alpha(None, "no item is answered more than once: nothing to compare", 0, 0)
    if len(np.unique(value_of[counted])) < 2:
        return Alpha(
            None, "every answer on the items answered more than once is the same: no variation", items, pairable
        )
    domain: list[Value] = list(value_index)
    if level != "nominal":  # the package reads distances off the domain's order (ordinal) and values (interval)
        order = sorted(range(len(domain)), key=lambda i: domain[i])
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        value_of, domain = rank[value_of], [domain[i] for i in order]
    kept = np.flatnonzero(per_item >= 2)
    row_of_item = np.full(len(item_index), -1, dtype=np.int64)
    row_of_item[kept] = np.arange(len(kept))
    cells = row_of_item[item_of[counted]] * len(domain) + value_of[counted]
    counts = np.bincount(cells, minlength=len(kept) * len(domain)).reshape(len(kept), len(domain))
    result = krippendorff.alpha(
        value_counts=counts,
        value_domain=np.array(domain, dtype=np.float64) if level != "nominal" else None,
        level_of_measurement=level,
    )
    return Alpha(float(result), f"{level} alpha over {items} items answered more than once", items, pairable)


def alpha_per_criterion(answers: Mapping[str, Sequence[Answer]], levels: Mapping[str, Level]) -> dict[str, Alpha]:
    """Alpha of each rubric criterion (its own answers, its own level), in the order the criteria are given."""
    missing = [name for name in answers if name not in levels]
    if missing:
        raise Refused(f"no level of measurement for criterion {', '.join(missing)}")
    return {name: alpha(given, levels[name]) for name, given in answers.items()}


def _consensus(values: Sequence[Value], level: Level) -> Value | None:
    """The others' consensus: the single most frequent value (nominal) or the median (ordinal, interval).

    None when there is no single one: a tie for most frequent, or an even number of values whose two
    middle ones differ (no answer on the scale is *the* median). A tie is not broken by order or chance,
    because either would credit or debit the coder for something nobody decided."""
    if level == "nominal":
        tally: dict[Value, int] = {}
        for value in values:
            tally[value] = tally.get(value, 0) + 1
        top = max(tally.values())
        leaders = [value for value, count in tally.items() if count == top]
        return leaders[0] if len(leaders) == 1 else None
    ordered = sorted(values)
    low, high = ordered[(len(ordered) - 1) // 2], ordered[len(ordered) // 2]
    return low if low == high else None


def agreement_with_consensus(answers: Sequence[Answer], level: Level) -> dict[Hashable, CoderAgreement]:
    """Each coder's agreement with the consensus, leave-one-out, in order of each coder's first answer.

    For every item answered at least twice and every coder who answered it, the consensus is computed
    from the *other* coders' answers to that item (so a coder never agrees with themselves; on an item
    answered twice it is simply the other answer), and the coder's answer matches when it equals that
    consensus. Ties leave the answer undecided (see `_consensus`). Coders with answers only on items
    answered once do not appear."""
    _check(answers, level)
    tallies: dict[Hashable, list[int]] = {}
    for given in _multiply_answered(answers).values():
        for position, (coder, value) in enumerate(given):
            others = [other for index, (_, other) in enumerate(given) if index != position]
            consensus = _consensus(others, level)
            tally = tallies.setdefault(coder, [0, 0, 0])
            if consensus is None:
                tally[2] += 1
            else:
                tally[0] += 1
                tally[1] += int(value == consensus)
    return {coder: CoderAgreement(coder, *tally) for coder, tally in tallies.items()}


def adjudication(alphas: Mapping[str, Alpha], minimum_alpha: float | None) -> Adjudication:
    """Do the task's items go to adjudication under a minimum-alpha policy value?

    `alphas` are the task's figures (one for the whole task, or one per rubric criterion). Required when
    any measured alpha is below the minimum. An undefined alpha (nothing answered twice, or no
    variation) does not require it: there is no measured disagreement to adjudicate, and the items are
    reviewed as usual. No minimum (None) is a policy without the rule."""
    if minimum_alpha is None:
        return Adjudication(False, "no minimum alpha is in force")
    if not -1.0 <= minimum_alpha <= 1.0:
        raise Refused(f"a minimum alpha lies between -1 and 1, not {minimum_alpha}")
    below = [
        f"{name} {figure.value:.3f}"
        for name, figure in alphas.items()
        if figure.value is not None and figure.value < minimum_alpha
    ]
    if below:
        return Adjudication(True, f"alpha below the minimum {minimum_alpha}: {', '.join(below)}")
    if all(figure.value is None for figure in alphas.values()):
        return Adjudication(False, "agreement is not measured yet (no alpha is defined): reviewed as usual")
    return Adjudication(False, f"every measured alpha is at least {minimum_alpha}")
