"""The largest-remainder method over weight classes: a pool shared among many keys of few weights.

Every key of weight w gets the same ⌊P·w/W⌋ and the same remainder P·w mod W, so the apportionment
of a million contributions is decided by the distinct weights and how many keys carry each — a
release's weights are a few task rates times a few unit counts, or minutes, so there are few. Only
the last leftover unit needs individual keys: when it falls inside a group of equal remainders, it
goes to the `rank`-th lowest tie key of that group (ledger.formula.apportion's threshold). So a
split is computed in two pure steps around one lookup, and the lookup and the per-member grouping
can be done by a database (coop.datasets.share_inputs, in production) or in memory (ledger.formula.in_memory) alike:

1. `cut_classes(P, {weight: keys})`: W, each weight's floor and remainder, how many units are left
   over, and where the last one falls: the cut remainder, the weights that have it (`tied`) and the
   rank within them;
2. the caller finds that rank-th lowest tie key among the keys of the tied weights: the threshold's
   tie key;
3. `ClassCut.member_totals` over groups of a member's keys of one weight: their floors, plus one
   unit each for a remainder above the cut, or, at the cut, for those whose tie key is at or below
   the threshold's.

Same results as `apportion` on the individual keys (tests/test_formula_classes.py checks it).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ledger.formula.refusals import FormulaError, whole_number

__all__ = ["ClassCut", "check_classes", "cut_classes"]


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

    def member_totals(self, groups: Iterable[tuple[str, int, int, int]]) -> dict[str, list[int]]:
        """Per member, [Σ weights, keys, units], from groups (member, weight, keys, how many of those
        keys have a tie key at or below the threshold's — only counted when their weight is tied):
        their floors, plus one unit per key whose remainder is above the cut, or at the cut with a
        tie key at or below the threshold's."""
        floors, remainders, cut = self.floors, self.remainders, self.cut
        totals: dict[str, list[int]] = {}
        for member, weight, keys, tied_at_or_below in groups:
            units = floors[weight] * keys
            if cut is not None:
                rest = remainders[weight]
                units += keys if rest > cut else tied_at_or_below if rest == cut else 0
            row = totals.get(member)
            if row is None:
                totals[member] = [weight * keys, keys, units]
            else:
                row[0] += weight * keys
                row[1] += keys
                row[2] += units
        return totals


def check_classes(counts: Mapping[int, int]) -> int:
    """W, after refusing what `apportion` refuses of weights: negative or non-integer weights (and
    a class of no keys). A million classes are checked in one pass; messages come from the first bad one."""
    if not all(type(weight) is int and weight >= 0 for weight in counts) or not all(
        type(keys) is int and keys >= 1 for keys in counts.values()
    ):
        for weight, keys in counts.items():  # bools are refused too: type(True) is bool
            whole_number(weight, f"the weight {weight!r}")
            whole_number(keys, f"the number of keys of weight {weight}", minimum=1)
    return sum(map(operator.mul, counts.keys(), counts.values()))


def cut_classes(total: int, counts: Mapping[int, int]) -> ClassCut:
    """Apportion `total` among keys given as {weight: how many keys weigh it} (see the module docstring).
    Refuses what `apportion` refuses: no keys, negative or non-integer weights, weights summing to 0."""
    whole_number(total, "the total to apportion")
    if not counts:
        raise FormulaError(f"nothing to apportion {total} among")
    whole = check_classes(counts)
    if whole == 0:
        raise FormulaError(f"the weights sum to 0: no basis to apportion {total}")
    weights = list(counts)
    parts = [divmod(total * weight, whole) for weight in weights]
    floors = dict(zip(weights, (floor for floor, _ in parts), strict=True))
    remainders = dict(zip(weights, (rest for _, rest in parts), strict=True))
    leftover = total - sum(floor * keys for (floor, _), keys in zip(parts, counts.values(), strict=True))
    keys = sum(counts.values())
    if leftover == 0:
        return ClassCut(total, whole, keys, floors, remainders, 0, None, frozenset(), 0)
    keys_by_remainder: dict[int, int] = defaultdict(int)
    for (_, rest), count in zip(parts, counts.values(), strict=True):
        keys_by_remainder[rest] += count
    given = 0
    for rest in sorted(keys_by_remainder, reverse=True):
        here = keys_by_remainder[rest]
        if given + here >= leftover:
            tied = frozenset(weight for weight, (_, other) in zip(weights, parts, strict=True) if other == rest)
            return ClassCut(total, whole, keys, floors, remainders, leftover, rest, tied, leftover - given)
        given += here
    # Unreachable: k leftover units mean the remainders sum to k·W, each below W, so more than k are positive.
    raise FormulaError(f"{leftover} leftover units but only {given} keys to give them to")  # pragma: no cover
