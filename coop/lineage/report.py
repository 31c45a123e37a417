"""The buyer's paperwork: one license's compliance report, computed from plain data (issue 15, part 5).

A compliance team files this beside the model it trains: the fields of the EU AI Act Art. 53(1)(d)
training-data summary that this dataset answers (source, modalities, size, collection period, how
opt-outs were respected), the fair-work evidence (pay per hour against the pay floor in force,
summed up per task, rubric version and pay-floor version, and the rubric versions), and how to
verify it all offline. Every judgment's own pay row is in a separate judgments file
(coop.lineage.report_pay) whose count, size and SHA-256 the report states: the report stays tens of
kilobytes at 100,000 judgments, and every row stays verifiable through it.

Pure and deterministic: the same facts give the same report, and `report_bytes` is its RFC 8785
canonical JSON, so the bytes have one SHA-256. The license's verification bundle carries that hash
inside the co-op's signature; `coop verify --report` checks a copy's hash against it and then
recomputes the report with this same function from the bundle's logged entries — taking from the
judgments file only what the log does not hold (the server-measured seconds, each task's answer kind
and each item's byte size, all vouched for by the signed hashes) — so every logged figure is checked twice.

Every fact comes from a log entry the bundle proves (license, release, accepted contributions, tasks,
policies) except those three, and the report names no member: authors are pseudonymous key ids.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coop.lineage.croissant_rai import DATA_COLLECTION
from coop.lineage.report_pay import (
    DECLARED,
    ROW_COLUMNS,
    JudgmentFacts,
    judgments_file,
    pay_groups,
    pay_row,
    rows_digest,
)
from coop.rules import consent
from coop.rules.pay_floor import MEASURED
from provenance.core.canonical import canonical_json

__all__ = ["FORMAT", "JudgmentFacts", "LicenseFacts", "judgment_rows", "license_report", "report_bytes"]

FORMAT = "coop-ledger-license-report/v2"  # v2: pay groups, the per-judgment rows in their own file
SOURCE_CATEGORY = "Privately licensed data: commissioned work of the members of a workers' co-operative"


@dataclass(frozen=True)
class LicenseFacts:
    license_entry: int
    license: Mapping[str, Any]  # license.granted body
    release_entry: int
    release: Mapping[str, Any]  # release.published body
    judgments: Sequence[JudgmentFacts]
    pay_floors: Mapping[int, Mapping[str, Any]]  # pay-floor version → policy body
    consent_rules: Mapping[str, Any]  # body of the consent-rules version the license was checked under
    log_origin: str
    verifier_key: str


def judgment_rows(facts: LicenseFacts) -> list[dict[str, Any]]:
    """Every included judgment's pay row (coop.lineage.report_pay), in entry order."""
    return [pay_row(j, facts.pay_floors) for j in sorted(facts.judgments, key=lambda j: j.entry)]


def judgment_rows_file(facts: LicenseFacts) -> Iterator[bytes]:
    """The rows file the report states the SHA-256 of: the per-judgment evidence, streamed."""
    return judgments_file(judgment_rows(facts))


def license_report(facts: LicenseFacts) -> dict[str, Any]:
    """The report as a JSON object (integers and strings only)."""
    judgments = sorted(facts.judgments, key=lambda j: j.entry)
    license = facts.license
    pay = judgment_rows(facts)
    return {
        "format": FORMAT,
        "license": {
            "id": license["license"],
            "entry": facts.license_entry,
            "release": license["release"],
            "release_entry": facts.release_entry,
            "release_title": facts.release["title"],
            "granted_at": license["granted_at"],
            "uses": list(license["uses"]),
            "sector": license["sector"],
            "price": license["price"],
        },
        "training_data_summary": _summary(facts, judgments),
        "fair_work": {
            "collection": DATA_COLLECTION,
            "rule": (
                "Pay per hour = ⌊paid × 3600 / seconds⌋ (minor units, rounded down). Seconds are the server's "
                f"measurement from claiming an item to answering it ('{MEASURED}'); a judgment that answers no "
                f"item has no measurement and shows its task's rate per unit over the minutes per unit "
                f"('{DECLARED}'). Each is compared with the pay floor recorded when it was accepted. The groups "
                "sum this up per task, rubric version, pay-floor version and currency (minimum and lower median "
                "per hour); every judgment's own row, with its arithmetic, is in the judgments file, one "
                "canonical JSON line each in entry order, whose count, size and SHA-256 are stated here."
            ),
            "meets_floor": sum(1 for p in pay if p["meets_floor"]),
            "below_floor": sum(1 for p in pay if not p["meets_floor"]),
            "rate_sources": dict(sorted(Counter(p["source"] for p in pay).items())),
            "rubrics": _counted(
                f"{j.accepted['rubric']['policy']} v{j.accepted['rubric']['version']}" for j in judgments
            ),
            "pay_floors": _counted(f"pay-floor v{j.accepted['pay_floor']['version']}" for j in judgments),
            "groups": pay_groups(pay),
            "judgments": rows_digest(pay)
            | {
                "file": f"license-{license['license']}.judgments.jsonl",
                "download": f"/api/licenses/{license['license']}/report/judgments.jsonl",
                "columns": list(ROW_COLUMNS),
            },
        },
        "verification": _verification(facts),
    }


def report_bytes(facts: LicenseFacts) -> bytes:
    """The report's canonical bytes (RFC 8785): the JSON served and the bytes whose SHA-256 the bundle signs."""
    return canonical_json(license_report(facts))


def _summary(facts: LicenseFacts, judgments: list[JudgmentFacts]) -> dict[str, Any]:
    bodies = [j.accepted["statement"]["body"] for j in judgments]
    sizes = [j.content_bytes for j in judgments]
    excluded = dict(sorted(facts.license["excluded"].items()))
    items = {b["item_sha256"] if b.get("item_sha256") else b["content_sha256"] for b in bodies}
    return {
        "source_category": SOURCE_CATEGORY,
        "modalities": ["text"],  # every task kind and answer kind is written or chosen text (coop.rules.answers)
        "content_types": {
            "task_kinds": _counted(j.task["kind"] for j in judgments),
            "answer_kinds": _counted(j.answer_kind or "free-form" for j in judgments),
        },
        "size": {
            "judgments": len(judgments),
            "items": len(items),
            "contributors": len({b["author"] for b in bodies}),
            "content_bytes": sum(s for s in sizes if s is not None) if None not in sizes else None,
        },
        "collection_period": {
            "first_submitted": min(b["time"] for b in bodies),
            "last_submitted": max(b["time"] for b in bodies),
            "first_accepted": min(j.accepted["accepted_at"] for j in judgments),
            "last_accepted": max(j.accepted["accepted_at"] for j in judgments),
            "source": "timestamps of the included contributions' signed statements and acceptance entries",
        },
        "opt_outs": {
            "how": (
                "Every contribution carries its author's signed consent terms (permitted uses, excluded "
                "sectors, expiry). At license time each release item was checked against the declared uses "
                "and sector, the co-op's consent rules in force and any logged revocation; only items that "
                "passed are licensed. A later revocation binds future licenses, not this one."
            ),
            "consent_rules_version": facts.license["consent_rules"]["version"],
            "consent_rules": {
                "excluded_sectors": sorted(facts.consent_rules["excluded_sectors"]),
                "excluded_uses": sorted(facts.consent_rules["excluded_uses"]),
            },
            "release_items": facts.release["item_count"],
            "included": len(judgments),
            "excluded_by_consent": sum(excluded.values()),
            "excluded_by_reason": {
                reason: {"count": n, "reason": consent.REASONS.get(reason, reason)} for reason, n in excluded.items()
            },
            "terms": {
                "permitted_uses": _counted(u for b in bodies for u in b["terms"]["permitted_uses"]),
                "excluded_sectors": _counted(s for b in bodies for s in b["terms"]["excluded_sectors"]),
                "with_expiry": sum(1 for b in bodies if b["terms"].get("expires")),
            },
        },
    }


def _verification(facts: LicenseFacts) -> dict[str, Any]:
    license_id = facts.license["license"]
    return {
        "log_origin": facts.log_origin,
        "verifier_key": facts.verifier_key,
        "license_entry": facts.license_entry,
        "release_entry": facts.release_entry,
        "included_root": facts.license["included_root"],
        "steps": [
            f"Download the license bundle (/licenses/{license_id}/bundle), this report as JSON "
            f"(/licenses/{license_id}/report.json, or GET /api/licenses/{license_id}/report), its judgments "
            f"file (/licenses/{license_id}/report/judgments.jsonl, or GET "
            f"/api/licenses/{license_id}/report/judgments.jsonl) and the licensed files into a directory "
            "of their own, all unchanged.",
            "Compare the co-op key with the one it publishes at /log/key (and, if you trust witnesses, "
            "check the checkpoint's cosignatures against /log/witnesses).",
            f"Run: coop verify license-{license_id}.bundle --report license-{license_id}.report.json "
            f"--report-judgments license-{license_id}.judgments.jsonl --files <that directory> "
            "--key '<the co-op key you trust>' — with no database and no network.",
            "It checks the co-op's signature over the bundle, every entry's inclusion proof against the "
            "bundle's checkpoint, every author's signature, the licensed items' Merkle root, consent for the "
            "declared uses and sector, the pay floor and rubric in force, that this report has the SHA-256 "
            "the bundle signs, that the judgments file has the SHA-256 this report states, that both equal "
            "the ones recomputed from the bundle's entries, and that each licensed file has the SHA-256 in "
            "the license's signed, logged files manifest.",
            f"Optionally confirm the checkpoint is one the log still extends: GET /log/proof/consistency "
            f"from the bundle's checkpoint size to today's /log/checkpoint (entry {facts.license_entry} "
            "stays in every later tree).",
        ],
    }


def _counted(values: Any) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
