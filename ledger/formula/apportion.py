"""The largest-remainder (Hamilton) method: whole units shared in proportion to integer weights.

One rule for both pools of the revenue formula (ledger.formula), and for anything else that must
split an integer amount exactly: every key gets ⌊total·w/W⌋, and the leftover units (fewer than the
keys) go one each to the largest remainders total·w mod W. All remainders share the denominator W,
so comparing them as integers compares the exact fractional parts of the quotas: no floats, no
Fractions, nothing that rounds.

Every share is ⌊quota⌋ or ⌊quota⌋+1. A zero-weight key gets 0 and never a leftover unit: k leftover
units mean the remainders sum to k·W, each below W, so more than k of them are positive.

Monotonicity, what holds and what does not (tests/test_formula_properties.py): raising one key
c's weight, all else equal, never lowers c's share. (Were c to lose a unit, some other d would gain
one; d's quota fell, so d gained a leftover unit on a smaller remainder than before, while c kept
its floor and its remainder grew past its old one, which outranked d's: c would outrank d.) It
raises no other share by more than one unit, but it can move a unit between two others: P = 3 by
weights 1, 1, 3 gives 1, 0, 2; raise the first weight to 2 and it gives 1, 1, 1. And the Alabama
paradox: a larger pool can give a share one unit less (P = 3 by 1, 3, 3 gives 1, 1, 1; P = 4 gives
0, 2, 2) — never more than one, since no quota falls and a share is within one unit of ⌊quota⌋.
"""

from __future__ import annotations

import heapq
import itertools
import operator
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ledger.formula.refusals import FormulaError, whole_number

__all__ = ["Apportionment", "apportion", "gets_leftover"]

K = TypeVar("K", bound=Hashable)


def _itself(key: Any) -> Any:
    return key


@dataclass(frozen=True)
class Apportionment(Generic[K]):
    """A whole apportionment as parallel lists (ordered by tie key), plus its leftover threshold.

    Lists rather than one object per key because a revenue pool may have a million keys, and a
    frozen dataclass per key costs more than the arithmetic. `threshold` is (remainder, tie key)
    of the last key to receive a leftover unit (None when there are no leftover units): a key gets
    one iff its remainder is larger, or equal with a tie key at or below it (`gets_leftover`). So
    anyone can recompute a single key's share from total, W and the threshold alone."""

    total: int
    whole: int  # W
    keys: list[K]
    weights: list[int]
    floors: list[int]
    remainders: list[int]
    leftover: int  # how many keys got a leftover unit
    threshold: tuple[int, Any] | None

    def bonuses(self, tie_key: Callable[[K], Any] = _itself) -> list[bool]:
        if self.threshold is None:
            return [False] * len(self.keys)
        cut, last = self.threshold  # gets_leftover, inlined: a million calls cost more than the comparisons
        ties: Iterable[Any] = self.keys if tie_key is _itself else map(tie_key, self.keys)
        return [rest > cut or (rest == cut and tie <= last) for tie, rest in zip(ties, self.remainders, strict=True)]


def gets_leftover(remainder: int, tie: Any, threshold: tuple[int, Any] | None) -> bool:
    """Whether a key with this remainder and tie key ranks at or above the threshold (see Apportionment)."""
    if threshold is None:
        return False
    return remainder > threshold[0] or (remainder == threshold[0] and tie <= threshold[1])


def _threshold(remainders: list[int], ties: list[Any], leftover: int) -> tuple[int, Any] | None:
    """(remainder, tie key) of the `leftover`-th key by remainder descending, tie key ascending.

    A partial selection, not a sort of (remainder, tie) pairs: the leftover-th largest remainder r
    from the integers alone (a C sort, or a heap when few units are left over), then among the keys
    with remainder exactly r the lowest tie keys, as many as the units left after those above r."""
    if leftover == 0:
        return None
    if leftover <= len(remainders) // 8:
        cut = heapq.nlargest(leftover, remainders)[-1]
    else:
        cut = sorted(remainders, reverse=True)[leftover - 1]
    above = sum(1 for rest in remainders if rest > cut)
    tied = heapq.nsmallest(leftover - above, (tie for rest, tie in zip(remainders, ties, strict=True) if rest == cut))
    return cut, tied[-1]


def apportion(total: int, weights: Sequence[tuple[K, int]], tie_key: Callable[[K], Any] = _itself) -> Apportionment[K]:
    """Split `total` units in proportion to `weights` by the largest-remainder (Hamilton) method,
    as parallel lists with the leftover threshold.

    Leftover units go to the largest remainders, equal remainders to the lowest `tie_key`. The
    result is ordered by `tie_key` and does not depend on the input order, so tie_key must tell
    every key apart. Refuses an empty list, duplicate keys, negative weights and weights summing
    to 0 (nothing to be proportional to) — even for total 0, since the input itself is broken.
    """
    total = whole_number(total, "the total to apportion")
    if not weights:
        raise FormulaError(f"nothing to apportion {total} among")
    keys = [key for key, _ in weights]
    ties: list[Any] = keys if tie_key is _itself else [tie_key(key) for key in keys]
    ascending = all(map(operator.lt, ties, itertools.islice(ties, 1, None)))  # the usual case: then also distinct
    if not ascending and len(set(ties)) != len(ties):
        repeated = [key for key, count in Counter(ties).items() if count > 1]
        raise FormulaError(f"each key may appear once: {', '.join(map(repr, sorted(repeated)))} repeated")
    values = [weight for _, weight in weights]
    if not all(type(weight) is int and weight >= 0 for weight in values):  # bools are refused: type(True) is bool
        for key, weight in weights:
            whole_number(weight, f"the weight of {key!r}")
    whole = sum(values)
    if whole == 0:
        raise FormulaError(f"the weights sum to 0: no basis to apportion {total}")
    if not ascending:
        order = sorted(range(len(ties)), key=ties.__getitem__)
        keys, ties, values = [keys[i] for i in order], [ties[i] for i in order], [values[i] for i in order]
    floors, remainders = [], []
    for weight in values:
        floor, rest = divmod(total * weight, whole)
        floors.append(floor)
        remainders.append(rest)
    leftover = total - sum(floors)
    return Apportionment(
        total, whole, keys, values, floors, remainders, leftover, _threshold(remainders, ties, leftover)
    )
