"""What the web edge accepts as a number, a date or a time: one home for each bound, used by every
JSON body, path and query parameter of the API and by the portal's forms.

A number past what the database stores (an id past 64 bits, a count past 32) or a date the
calendar arithmetic cannot step past (9999-12-31 + 1 day) would otherwise reach SQL or `datetime`
and fail there as a 500. Here it is refused first, with a 400 that names the field and the range.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar.params import Parameter
from msgspec import Meta

from coop.kernel.errors import Refused

ID_MAX = 2**63 - 1  # a log index (64-bit columns)
SMALL_MAX = 2**31 - 1  # row ids and cursors (serial keys), minutes, units, scores, counts: 32-bit columns
AMOUNT_MAX = 10**15  # minor units in one request: sums of many still fit 64 bits
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)  # a period or an effective date: the co-op's calendar

# Path and query parameters (Litestar checks them before the handler runs). PostgreSQL compares an
# INTEGER key with an INTEGER parameter, so a row id past 32 bits fails in SQL, not as "not found".
LogIndex = Annotated[int, Parameter(ge=0, le=ID_MAX)]
RowId = Annotated[int, Parameter(ge=0, le=SMALL_MAX)]
OptionalRowId = Annotated[int | None, Parameter(ge=0, le=SMALL_MAX)]

# JSON body fields (msgspec checks them while decoding). Signs are left to the domain, which says
# what it needs ("must be positive") better than a bare range would.
Amount = Annotated[int, Meta(ge=-AMOUNT_MAX, le=AMOUNT_MAX, description="minor units")]
Small = Annotated[int, Meta(ge=-SMALL_MAX, le=SMALL_MAX)]
AwareTime = Annotated[datetime, Meta(tz=True, description="ISO 8601 with a timezone, e.g. 2026-01-31T12:00:00Z")]


def whole_number(text: str, label: str, low: int = -SMALL_MAX, high: int = SMALL_MAX) -> int:
    """A form field holding a whole number within [low, high], or a 400 naming the field."""
    value = text.strip()
    digits = value[1:] if value[:1] in "+-" else value
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19 or not low <= int(value) <= high:
        raise Refused(f"{label} must be a whole number from {low} to {high}, not {text[:40]!r}")
    return int(value)


def day(text: str, label: str) -> date:
    """A date like 2026-01-31 within the co-op's calendar, or a 400 naming the field."""
    try:
        parsed = date.fromisoformat(text.strip())
    except ValueError:
        raise Refused(f"{label} must be a date like 2026-01-31, not {text[:40]!r}") from None
    return in_calendar(parsed, label)


def aware_time(text: str, label: str) -> datetime:
    """An ISO 8601 time with its timezone (the co-op records times in UTC), or a 400 naming the field."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Refused(f"{label} must be a time like 2026-01-31T12:00:00+00:00, not {text[:40]!r}") from None
    if parsed.tzinfo is None:
        raise Refused(f"{label} must carry a timezone (e.g. +00:00 or Z), not {text[:40]!r}")
    in_calendar(parsed.date(), label)
    return parsed


def moment(value: datetime | None, label: str) -> datetime | None:
    """A time decoded from JSON (AwareTime), kept within the co-op's calendar."""
    if value is not None:
        in_calendar(value.date(), label)
    return value


def in_calendar(value: date, label: str) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise Refused(
            f"{label} must fall between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}, not {value.isoformat()}"
        )
    return value
