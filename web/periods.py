"""A statement period from the query string (`?since=2026-01-01&until=2026-03-31`), for the API and
the portal alike: whole days in UTC, both ends included, either one optional."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from coop.kernel.errors import Refused
from web.inputs import day


def statement_period(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """(start, end) for `member_statement`: from the first moment of `since` to the first moment
    after `until`. Refuses what is not a date, and a period that ends before it starts."""
    start = _day(since, "since")
    last = _day(until, "until")
    if start is not None and last is not None and last < start:
        raise Refused(f"the period ends ({last.isoformat()}) before it starts ({start.isoformat()})")
    return (_midnight(start) if start else None, _midnight(last + timedelta(days=1)) if last else None)


def _day(text: str | None, name: str) -> date | None:
    return day(text, name) if text is not None and text.strip() else None


def _midnight(value: date) -> datetime:
    return datetime.combine(value, time.min, tzinfo=UTC)
