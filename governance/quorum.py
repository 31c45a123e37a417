"""Quorum: how many of the eligible members must vote for a result to stand — the one place it is computed.

Turnout is the members whose ballot counts, abstentions included. Required = max(1, ⌈quorum_bps ·
eligible / 10000⌉), so the quorum is met iff turnout·10000 ≥ quorum_bps·eligible and at least one
member voted: exactly at the quorum is enough (5 of 10 meets a 5000 bps quorum). Integers only, with
ceiling division, so the tally, the portal's "quorum needs N" and a recount by hand always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BPS = 10_000


@dataclass(frozen=True)
class Quorum:
    eligible: int
    turnout: int
    quorum_bps: int
    required: int  # the smallest turnout that meets the quorum
    met: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "turnout": self.turnout,
            "quorum_bps": self.quorum_bps,
            "required": self.required,
            "met": self.met,
        }


def required_turnout(eligible: int, quorum_bps: int) -> int:
    """The smallest turnout that meets the quorum; ceiling division keeps "exactly at" on the meeting side."""
    if not 0 <= quorum_bps <= BPS:
        raise ValueError(f"quorum_bps must be within 0..{BPS}, not {quorum_bps}")
    return max(1, -(-quorum_bps * eligible // BPS))


def quorum(eligible: int, turnout: int, quorum_bps: int) -> Quorum:
    """Whether `turnout` of `eligible` members meets a quorum of `quorum_bps` basis points."""
    required = required_turnout(eligible, quorum_bps)
    return Quorum(eligible, turnout, quorum_bps, required, turnout >= required)
