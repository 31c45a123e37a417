"""The fair-work evidence of a license report: every judgment's pay per hour against the floor, kept
out of the report itself and summed up in it.

A 100,000-judgment license has 100,000 pay rows — tens of megabytes that no compliance team files.
So the report carries groups instead (per task, rubric version, pay-floor version and currency: how
many judgments, how many at or above the floor, the minimum and median pay per hour against the
floor), and the rows travel as their own file, one RFC 8785 canonical JSON line per judgment in
entry order (`judgments_file`), whose count, size and SHA-256 the report states. The report's hash
is signed in the license's bundle, so the rows are vouched for through it; `coop verify --report R
--report-judgments J` checks the file's hash against the report and recomputes both from the
bundle's entries, taking from the file only what the log does not hold.

The median is the lower middle value when a group has an even number of judgments
(`statistics.median_low`): always one judgment's actual rate, an integer of minor units.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from coop.rules.pay_floor import MEASURED, hourly_rate, rate_per_hour
from ledger.beancount_export import amount_text
from provenance.core.canonical import canonical_json

ROWS_FORMAT = "coop-ledger-license-judgments/v1"
DECLARED = "declared task rate"  # a judgment without a server measurement (free-form work): the task's own rate
ROW_COLUMNS = (
    "entry",
    "task",
    "task_kind",
    "answer_kind",
    "author",
    "content_bytes",
    "currency",
    "paid",
    "measured_seconds",
    "hourly_rate",
    "source",
    "arithmetic",
    "floor",
    "floor_version",
    "meets_floor",
    "rubric",
)
_GROUPED_BY = ("task", "task_kind", "rubric", "floor_version", "currency")


@dataclass(frozen=True)
class JudgmentFacts:
    """One included judgment: its acceptance entry and body, the entry that opened its task, and
    what the log does not hold (answer kind of its task, seconds measured, content size)."""

    entry: int
    accepted: Mapping[str, Any]  # contribution.accepted body
    task: Mapping[str, Any]  # task.opened body
    answer_kind: str | None  # None: free-form work, no typed answer
    measured_seconds: int | None  # server-measured claim → submission; None without a claimed item
    content_bytes: int | None


def pay_row(judgment: JudgmentFacts, floors: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """One judgment's pay per hour against the floor recorded at its acceptance, with the arithmetic."""
    accepted, task = judgment.accepted, judgment.task
    paid_per_unit, units = int(accepted["pay"]["per_unit"]), int(accepted["pay"]["units"])
    currency = accepted["pay"]["currency"]
    floor_version = int(accepted["pay_floor"]["version"])
    floor = int(floors[floor_version]["hourly_minimum"][currency])
    paid = paid_per_unit * units
    seconds: int | None = None
    if judgment.measured_seconds is not None:
        seconds = max(1, judgment.measured_seconds)  # a zero-second measurement would be an infinite rate
        rate, source = rate_per_hour(paid, seconds), MEASURED
        arithmetic = f"⌊{paid} × 3600 / {seconds}⌋ = {rate}"
    else:
        rate, source = hourly_rate(paid_per_unit, int(task["minutes_per_unit"])), DECLARED
        arithmetic = f"⌊{paid_per_unit} × 60 / {task['minutes_per_unit']}⌋ = {rate}"
    return {
        "entry": judgment.entry,
        "task": task["task"],
        "task_kind": task["kind"],
        "answer_kind": judgment.answer_kind,
        "author": accepted["statement"]["body"]["author"],
        "content_bytes": judgment.content_bytes,
        "currency": currency,
        "paid": paid,
        "measured_seconds": seconds,
        "hourly_rate": rate,
        "source": source,
        "arithmetic": arithmetic,
        "floor": floor,
        "floor_version": floor_version,
        "meets_floor": rate >= floor,
        "rubric": f"{accepted['rubric']['policy']} v{accepted['rubric']['version']}",
    }


def judgments_file(rows: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """The rows as the separate download: one canonical JSON line each, a line per piece."""
    for row in rows:
        yield canonical_json(row) + b"\n"


def rows_digest(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """What the report states of the rows file: its format, count, size and SHA-256."""
    digest, size, count = hashlib.sha256(), 0, 0
    for line in judgments_file(rows):
        digest.update(line)
        size += len(line)
        count += 1
    return {"format": ROWS_FORMAT, "count": count, "size": size, "sha256": digest.hexdigest()}


def pay_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows summed up per task, rubric version, pay-floor version and currency, in that order."""

    def key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row[name] for name in _GROUPED_BY)

    groups = []
    for values, members in groupby(sorted(rows, key=key), key=key):
        group = list(members)
        rates = [row["hourly_rate"] for row in group]
        floor, currency = group[0]["floor"], group[0]["currency"]
        lowest, median = min(rates), statistics.median_low(rates)
        meets = sum(1 for row in group if row["meets_floor"])
        groups.append(
            dict(zip(_GROUPED_BY, values, strict=True))
            | {
                "floor": floor,
                "judgments": len(group),
                "meets_floor": meets,
                "below_floor": len(group) - meets,
                "min_hourly_rate": lowest,
                "median_hourly_rate": median,
                "rate_sources": {
                    s: sum(1 for r in group if r["source"] == s) for s in sorted({r["source"] for r in group})
                },
                "entries": {"first": min(row["entry"] for row in group), "last": max(row["entry"] for row in group)},
                "summary": (
                    f"{len(group)} judgments: minimum {amount_text(lowest, currency)}, median "
                    f"{amount_text(median, currency)} per hour against the floor of {amount_text(floor, currency)} "
                    f"(pay-floor v{values[3]}); {len(group) - meets} below it"
                ),
            }
        )
    return groups
