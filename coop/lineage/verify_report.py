"""Check a license's report against its bundle, offline: the buyer's paperwork is what the co-op signed.

Two checks, both with nothing but the two files:
  1. the report's bytes have the SHA-256 (and size) the bundle signs — one changed byte fails, and
     the failure names the report, not the bundle;
  2. the report equals the report recomputed (coop.lineage.report.license_report) from the bundle's
     own entries: license, release, accepted contributions, tasks, pay-floor and consent-rules
     policies. Only the measured seconds, answer kinds and content sizes are taken from the report
     itself — the log does not hold them; check 1 is what vouches for them — so a report whose
     counts, period, consent figures, rates or floors disagree with the log cannot pass even if the
     co-op signed it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from coop.lineage.report import JudgmentFacts, LicenseFacts, license_report
from provenance.core.canonical import canonical_json
from provenance.core.entry import ParsedEntry


class ReportInvalid(Exception):
    """The report does not match its bundle; the message says how."""


def check_report(
    data: bytes, signed: Any, entries: dict[int, ParsedEntry], subject: dict[str, Any], origin: str, key: str
) -> str:
    """The report's SHA-256 when `data` is the report the bundle signs and agrees with its entries."""
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
        expected = canonical_json(license_report(_facts(report, entries, subject, origin, key)))
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration) as error:
        raise ReportInvalid(f"the report cannot be recomputed from the bundle: {error!r}") from error
    if expected != data:
        where = _where(report, json.loads(expected))
        raise ReportInvalid(f"the report differs from the one recomputed from the bundle's entries at {where}")
    return digest


def _facts(
    report: dict[str, Any], entries: dict[int, ParsedEntry], subject: dict[str, Any], origin: str, key: str
) -> LicenseFacts:
    license_entry, release_entry = subject["license_entry"], subject["release_entry"]
    license = entries[license_entry].body
    unlogged = {j["entry"]: j for j in report["fair_work"]["judgments"]}
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
