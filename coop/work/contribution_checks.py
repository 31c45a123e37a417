"""What a contribution must be before it is stored or submitted: its content, its numbers and the
time its author signed it. Plain checks, refused with a 400 naming what is wrong."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from coop.kernel.errors import Refused

MEDIA_TYPES = (
    "text/plain",
    "application/json",
    "text/markdown",
    "text/csv",
    "application/pdf",
    "image/png",
    "image/jpeg",
)
# How far a signed statement's time may be from the co-op's clock: a statement is signed just before
# it is submitted, and one signed long ago (or in the future) is not the draft as it stands now.
CLOCK_SKEW = timedelta(minutes=10)


def check_content(content: bytes, media_type: str, max_bytes: int) -> None:
    if not content:
        raise Refused("the contribution has no content")
    if len(content) > max_bytes:
        raise Refused(f"content is {len(content)} bytes; the limit is {max_bytes}")
    if media_type not in MEDIA_TYPES:
        raise Refused(f"media type must be one of {', '.join(MEDIA_TYPES)}")
    if media_type == "application/json":
        try:
            json.loads(content)
        except ValueError as error:
            raise Refused(f"the content is not valid JSON: {error}") from error


def check_numbers(minutes: int, units: int) -> None:
    if not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60:
        raise Refused("minutes must be a whole number from 1 to 1440")
    if not isinstance(units, int) or not 1 <= units <= 1000:
        raise Refused("units must be a whole number from 1 to 1000")


def parse_signed_time(value: Any) -> datetime:
    """A statement's `time`: an ISO 8601 timestamp with a timezone."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise Refused("the statement's time is not an ISO 8601 timestamp") from error
    if parsed.tzinfo is None:
        raise Refused("the statement's time must carry a timezone")
    return parsed


def check_clock_skew(signed_at: datetime, now: datetime) -> None:
    if abs(signed_at - now) > CLOCK_SKEW:
        raise Refused("the statement's time is more than 10 minutes from the co-op's clock; sign it again")
