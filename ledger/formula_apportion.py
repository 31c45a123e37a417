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

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Generic, Hashable, Sequence, TypeVar

from coop.work.rules import RuleViolation

__all__ = ["Apportioned", "FormulaError", "largest_remainder", "whole_number"]

K = TypeVar("K", bound=Hashable)


class FormulaError(RuleViolation):
    """A revenue event the formula refuses to share; the message names the input and the reason."""


def whole_number(value: object, name: str, minimum: int = 0) -> int:
    """Integers only: a float or a bool is refused before it can round anything."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise FormulaError(f"{name} must be a whole number, not {value!r}")
    if value < minimum:
        raise FormulaError(f"{name} must be at least {minimum}, not {value}")
    return value


@dataclass(frozen=True)
class Apportioned(Generic[K]):
    """One key's part of a Hamilton apportionment: ⌊total·weight/W⌋, its remainder, and the bonus."""

    key: K
    weight: int
    floor: int
    remainder: int  # total·weight mod W: the numerator of the quota's fractional part, over W
    leftover: bool  # received one of the leftover units

    @property
    def amount(self) -> int:
        return self.floor + int(self.leftover)


def _itself(key: Any) -> Any:
    return key


def largest_remainder(
    total: int, weights: Sequence[tuple[K, int]], tie_key: Callable[[K], Any] = _itself
) -> tuple[Apportioned[K], ...]:
    """Split `total` units in proportion to `weights` by the largest-remainder (Hamilton) method.

    Leftover units go to the largest remainders, equal remainders to the lowest `tie_key`. The
    result is ordered by `tie_key` and does not depend on the input order, so tie_key must tell
    every key apart. Refuses an empty list, duplicate keys, negative weights and weights summing
    to 0 (nothing to be proportional to) — even for total 0, since the input itself is broken.
    """
    total = whole_number(total, "the total to apportion")
    if not weights:
        raise FormulaError(f"nothing to apportion {total} among")
    ties = Counter(tie_key(key) for key, _ in weights)
    if repeated := [key for key, count in ties.items() if count > 1]:
        raise FormulaError(f"each key may appear once: {', '.join(map(repr, sorted(repeated)))} repeated")
    checked = [(key, whole_number(weight, f"the weight of {key!r}")) for key, weight in weights]
    whole = sum(weight for _, weight in checked)
    if whole == 0:
        raise FormulaError(f"the weights sum to 0: no basis to apportion {total}")
    parts = [(key, weight, *divmod(total * weight, whole)) for key, weight in checked]
    leftover = total - sum(floor for _, _, floor, _ in parts)
    ranked = sorted(parts, key=lambda part: (-part[3], tie_key(part[0])))
    bonus = {tie_key(key) for key, _, _, _ in ranked[:leftover]}
    ordered = sorted(parts, key=lambda part: tie_key(part[0]))
    return tuple(Apportioned(key, weight, floor, rest, tie_key(key) in bonus) for key, weight, floor, rest in ordered)
