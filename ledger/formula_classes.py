"""The largest-remainder method over weight classes: a pool shared among many keys of few weights.

Every key of weight w gets the same ⌊P·w/W⌋ and the same remainder P·w mod W, so the apportionment
of a million contributions is decided by the distinct weights and how many keys carry each — a
release's weights are a few task rates times a few unit counts, or minutes, so there are few. Only
the last leftover unit needs individual keys: when it falls inside a group of equal remainders, it
goes to the `rank`-th lowest tie key of that group (ledger.formula_apportion's threshold). So a
split is computed in two pure steps around one lookup, and the lookup and the per-member grouping
can be done by a database (coop.datasets.revenue) or in memory (ledger.formula_compact) alike:

1. `cut_classes(P, {weight: keys})`: W, each weight's floor and remainder, how many units are left
   over, and where the last one falls: the cut remainder, the weights that have it (`tied`) and the
   rank within them;
2. the caller finds that rank-th lowest tie key among the keys of the tied weights: the threshold's
   tie key;
3. `ClassCut.cents(weight, keys, tied_at_or_below)` for each group of a member's keys of one weight:
   their floors, plus one unit each for a remainder above the cut, or, at the cut, for those whose
   tie key is at or below the threshold's.

Same results as `apportion` on the individual keys (tests/test_formula_classes.py checks it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping

from ledger.formula_apportion import FormulaError, whole_number

__all__ = ["ClassCut", "cut_classes"]


@dataclass(frozen=True)
class ClassCut:
    total: int  # P
    whole: int  # W = Σ weight × keys
    keys: int
    floors: dict[int, int]  # weight → ⌊P·w/W⌋
    remainders: dict[int, int]  # weight → P·w mod W
    leftover: int  # units left after the floors: one each to the largest remainders
    cut: int | None  # the remainder of the key that receives the last leftover unit; None without leftover units
    tied: frozenset[int]  # the weights whose remainder is the cut
    rank: int  # the last unit goes to the rank-th lowest tie key among the keys of the tied weights

    def cents(self, weight: int, keys: int, tied_at_or_below: int) -> int:
        """What `keys` keys of `weight` receive, `tied_at_or_below` of them with a tie key at or below
        the threshold's (only counted when their weight is tied)."""
        floor = self.floors[weight] * keys
        if self.cut is None:
            return floor
        rest = self.remainders[weight]
        return floor + (keys if rest > self.cut else tied_at_or_below if rest == self.cut else 0)


def cut_classes(total: int, counts: Mapping[int, int]) -> ClassCut:
    """Apportion `total` among keys given as {weight: how many keys weigh it} (see the module docstring).
    Refuses what `apportion` refuses: no keys, negative or non-integer weights, weights summing to 0."""
    whole_number(total, "the total to apportion")
    if not counts:
        raise FormulaError(f"nothing to apportion {total} among")
    for weight, keys in counts.items():
        whole_number(weight, f"the weight {weight!r}")
        whole_number(keys, f"the number of keys of weight {weight}", minimum=1)
    whole = sum(weight * keys for weight, keys in counts.items())
    if whole == 0:
        raise FormulaError(f"the weights sum to 0: no basis to apportion {total}")
    floors, remainders = {}, {}
    for weight in counts:
        floors[weight], remainders[weight] = divmod(total * weight, whole)
    leftover = total - sum(floors[weight] * keys for weight, keys in counts.items())
    keys = sum(counts.values())
    if leftover == 0:
        return ClassCut(total, whole, keys, floors, remainders, 0, None, frozenset(), 0)
    by_remainder: dict[int, list[int]] = defaultdict(list)
    for weight, rest in remainders.items():
        by_remainder[rest].append(weight)
    given = 0
    for rest in sorted(by_remainder, reverse=True):
        weights = by_remainder[rest]
        here = sum(counts[weight] for weight in weights)
        if given + here >= leftover:
            return ClassCut(total, whole, keys, floors, remainders, leftover, rest, frozenset(weights), leftover - given)
        given += here
    # Unreachable: k leftover units mean the remainders sum to k·W, each below W, so more than k are positive.
    raise FormulaError(f"{leftover} leftover units but only {given} keys to give them to")  # pragma: no cover
