"""Check a license's report against its bundle, offline: the buyer's paperwork is what the co-op signed.

Checks, with nothing but the files:
  1. the report's bytes have the SHA-256 (and size) the bundle signs — one changed byte fails, and
     the failure names the report, not the bundle;
  2. given the report's judgments file (the per-judgment pay rows, coop.lineage.report_pay), that it
     has the count, size and SHA-256 the report states — so the bundle's signature reaches it too;
  3. the report equals the report recomputed (coop.lineage.report.license_report) from the bundle's
     own entries: license, release, accepted contributions, tasks, pay-floor and consent-rules
     policies. Only the measured seconds, answer kinds and content sizes are taken from the
     judgments file — the log does not hold them; checks 1 and 2 vouch for them — so a report whose
     counts, period, consent figures, rates or floors disagree with the log cannot pass even if the
     co-op signed it. Without the judgments file, everything the log alone determines is recomputed
     and compared; the figures that rest on measured seconds, answer kinds or sizes (`UNLOGGED`)
     are then vouched for by the signed hash only, and the caller is told so.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from coop.lineage.report import FORMAT, JudgmentFacts, LicenseFacts, license_report
from provenance.core.canonical import canonical_json
from provenance.core.entry import ParsedEntry


class ReportInvalid(Exception):
    """The report does not match its bundle; the message says how."""


UNLOGGED = (
    ("training_data_summary", "content_types", "answer_kinds"),
    ("training_data_summary", "size", "content_bytes"),
    ("fair_work", "meets_floor"),
    ("fair_work", "below_floor"),
    ("fair_work", "rate_sources"),
    ("fair_work", "groups"),
    ("fair_work", "judgments"),
)


def check_report(
    data: bytes,
    signed: Any,
    entries: dict[int, ParsedEntry],
    subject: dict[str, Any],
    origin: str,
    key: str,
    judgments: bytes | None = None,
) -> str:
    """The report's SHA-256 when `data` is the report the bundle signs and agrees with its entries
    (and, given the judgments file, when that is the file the report states and agrees with them too)."""
    if not isinstance(signed, dict) or set(signed) != {"sha256", "size"}:
        raise ReportInvalid("the bundle signs no report (a release bundle, or one made before reports)")
    digest = hashlib.sha256(data).hexdigest()
    if digest != signed["sha256"] or len(data) != signed["size"]:
        raise ReportInvalid(
            f"the report is not the one the bundle signs: its SHA-256 is {digest} ({len(data)} bytes), "
            f"the bundle signs {signed['sha256']} ({signed['size']} bytes)"
        )
    try:
        report = json.loads(data)
        if report["format"] != FORMAT:  # v1 held every row inside; the recomputation is v2's
            raise ReportInvalid(
                f"the report is a {report['format']!r}, which this verifier does not recompute (it checks "
                f"{FORMAT}): download the license's report and bundle again"
            )
        rows = _rows(report, judgments) if judgments is not None else {}
        expected = license_report(_facts(rows, entries, subject, origin, key))
        if judgments is None:  # compare what the log alone determines
            report, expected = _logged(report), _logged(expected)
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration) as error:
        raise ReportInvalid(f"the report cannot be recomputed from the bundle: {error!r}") from error
    if canonical_json(expected) != canonical_json(report):
        where = _where(report, expected)
        raise ReportInvalid(f"the report differs from the one recomputed from the bundle's entries at {where}")
    return digest


def _rows(report: dict[str, Any], judgments: bytes) -> dict[int, dict[str, Any]]:
    """The judgments file's rows by entry, once its hash, size and count are the ones the report states."""
    stated = report["fair_work"]["judgments"]
    digest = hashlib.sha256(judgments).hexdigest()
    lines = judgments.splitlines()
    if (digest, len(judgments), len(lines)) != (stated["sha256"], stated["size"], stated["count"]):
        raise ReportInvalid(
            f"the judgments file is not the one the report states: its SHA-256 is {digest} ({len(judgments)} "
            f"bytes, {len(lines)} rows), the report states {stated['sha256']} ({stated['size']} bytes, "
            f"{stated['count']} rows)"
        )
    return {row["entry"]: row for row in map(json.loads, lines)}


def _logged(report: dict[str, Any]) -> dict[str, Any]:
    """The report without the figures that rest on facts the log does not hold (`UNLOGGED`)."""
    copy = json.loads(json.dumps(report))
    for path in UNLOGGED:
        holder = copy
        for name in path[:-1]:
            holder = holder[name]
        holder.pop(path[-1], None)
    return dict(copy)


def _facts(
    unlogged: dict[int, dict[str, Any]],
    entries: dict[int, ParsedEntry],
    subject: dict[str, Any],
    origin: str,
    key: str,
) -> LicenseFacts:
    license_entry, release_entry = subject["license_entry"], subject["release_entry"]
    license = entries[license_entry].body
    tasks = {e.body["task"]: e.body for e in entries.values() if e.kind == "task.opened"}
    policies = [e.body for e in entries.values() if e.kind == "policy.adopted"]
    judgments = []
    for index in sorted(subject["licensed_entries"]):
        accepted = entries[index].body
        extra = unlogged.get(index, {})
        judgments.append(
            JudgmentFacts(
                index,
                accepted,
                tasks[accepted["statement"]["body"]["task"]],
                extra.get("answer_kind"),
                extra.get("measured_seconds") if extra.get("source") == "measured" else None,
                extra.get("content_bytes"),
            )
        )
    rules = license["consent_rules"]["version"]
    return LicenseFacts(
        license_entry,
        license,
        release_entry,
        entries[release_entry].body,
        judgments,
        {int(p["version"]): p["body"] for p in policies if p["policy"] == "pay-floor"},
        next(p["body"] for p in policies if p["policy"] == "consent-rules" and p["version"] == rules),
        origin,
        key,
    )


def _where(found: Any, expected: Any, path: str = "report") -> str:
    """The first path at which two JSON values differ, for a failure a reader can act on."""
    if isinstance(found, dict) and isinstance(expected, dict):
        for name in sorted(set(found) | set(expected)):
            if found.get(name) != expected.get(name):
                return _where(found.get(name), expected.get(name), f"{path}.{name}")
    if isinstance(found, list) and isinstance(expected, list) and len(found) == len(expected):
        for position, (a, b) in enumerate(zip(found, expected, strict=True)):
            if a != b:
                return _where(a, b, f"{path}[{position}]")
    shown, logged = (json.dumps(value, ensure_ascii=False)[:120] for value in (found, expected))
    return f"{path}: {shown} where the log gives {logged}"
