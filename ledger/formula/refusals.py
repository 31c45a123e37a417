"""How the formula refuses: one error, and whole numbers only.

Every figure the formula touches is an integer (minor units, weights, basis points, log indexes),
because invariant 3 needs every unit placed exactly; a float or a bool is refused before it can
round anything."""

from __future__ import annotations

from coop.kernel.errors import Refused

__all__ = ["FormulaError", "whole_number"]


class FormulaError(Refused):
    """A revenue event (or formula parameters) the formula refuses; the message names the input and the reason."""


def whole_number(value: object, name: str, minimum: int = 0) -> int:
    """`value` itself when it is an int (not a bool) of at least `minimum`."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise FormulaError(f"{name} must be a whole number, not {value!r}")
    if value < minimum:
        raise FormulaError(f"{name} must be at least {minimum}, not {value}")
    return value
