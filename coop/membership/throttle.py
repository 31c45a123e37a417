"""The throttle of password checks and sign-ups: pure rules over the recorded attempts, so they are
easy to test and to read. `coop.membership.gate` records the attempts and applies these rules.

Back-off, not a lock: after a rule's free allowance, each further counted event doubles the wait
before the next try (up to `max_delay`), so a stranger cannot lock anyone out for long, and a
guesser gets a handful of tries an hour instead of thousands. Three counts:

- an account: its failures since its last success (from anywhere); the owner's success resets it;
- a client address: its failures on every account, except the failures on an account that this
  address later opened with the right password (a typo, then success). A success on one account
  never clears failures on others, so cycling through accounts with one's own in between gains nothing;
- sign-ups from a client address: every sign-up counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Rule:
    free: int  # events allowed before any wait
    first_delay: timedelta  # the wait after the `free`-th event; doubled by each further one
    max_delay: timedelta
    window: timedelta  # events older than this are forgotten


ACCOUNT = Rule(free=5, first_delay=timedelta(seconds=30), max_delay=timedelta(minutes=15), window=timedelta(hours=24))
ADDRESS = Rule(free=20, first_delay=timedelta(seconds=30), max_delay=timedelta(minutes=15), window=timedelta(hours=24))
SIGN_UP = Rule(
    free=20, first_delay=timedelta(minutes=1), max_delay=timedelta(hours=1), window=timedelta(hours=24)
)  # free: COOP_SIGN_UPS_PER_DAY


@dataclass(frozen=True)
class Attempt:
    """One password check as recorded: on which account (an account id, or the email typed when it
    names no account), from which client address, and whether the password was right."""

    at: datetime
    account: str
    address: str
    succeeded: bool


def wait(events: Sequence[datetime], now: datetime, rule: Rule) -> timedelta | None:
    """How long to wait before the next try, given the counted events (oldest first); None: go ahead."""
    recent = [t for t in events if now - t < rule.window]
    if len(recent) < rule.free:
        return None
    delay = min(rule.max_delay, rule.first_delay * 2 ** min(len(recent) - rule.free, 32))
    remaining = recent[-1] + delay - now
    return remaining if remaining > timedelta(0) else None


def account_failures(attempts: Sequence[Attempt]) -> list[datetime]:
    """Failures on one account since its last success; `attempts` are that account's, oldest first."""
    failures: list[datetime] = []
    for attempt in attempts:
        failures = [] if attempt.succeeded else failures + [attempt.at]
    return failures


def address_failures(attempts: Sequence[Attempt]) -> list[datetime]:
    """Failures from one address, less those on an account it later opened; `attempts` are that
    address's, oldest first."""
    pending: dict[str, list[datetime]] = {}
    for attempt in attempts:
        if attempt.succeeded:
            pending.pop(attempt.account, None)
        else:
            pending.setdefault(attempt.account, []).append(attempt.at)
    return sorted(t for times in pending.values() for t in times)


def password_wait(on_account: Sequence[Attempt], from_address: Sequence[Attempt], now: datetime) -> timedelta | None:
    """The wait before checking a password for this account from this address, or None."""
    waits = [
        w
        for w in (wait(account_failures(on_account), now, ACCOUNT), wait(address_failures(from_address), now, ADDRESS))
        if w
    ]
    return max(waits) if waits else None
