"""Sign-in throttling: a pure rule over the recent attempts, so it is easy to test and to read.

An email is locked after MAX_FAILURES failed attempts within WINDOW since its last success; an IP
address after MAX_IP_FAILURES. The lock lifts when the oldest counted failure leaves the window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5
MAX_IP_FAILURES = 30


def locked_for(failures: Sequence[datetime], now: datetime, limit: int, window: timedelta = WINDOW) -> timedelta | None:
    """How long sign-in stays locked given failure times (oldest first) since the last success."""
    recent = [t for t in failures if now - t < window]
    if len(recent) < limit:
        return None
    return recent[-limit] + window - now
