"""The Croissant RAI 1.0 (Responsible AI) properties of a release, filled in from its signed entries.

How the data was collected, reviewed and paid for, what its contributors consented to, and what
limits its use: each statement is backed by the log (rubric and pay-floor versions, consent terms,
revocations), names no member, and says where to check it (`croissant` puts these beside the
dataset's own Croissant metadata).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from coop.lineage.gather import ItemLineage, ReleaseLineage
from coop.rules.pay_floor import hourly_rate
from ledger.beancount_export import amount_text

# How the work was collected, reviewed and paid for: the RAI field, and the buyer's report (coop.lineage.report).
DATA_COLLECTION = (
    "Written by members of a worker-owned co-operative, on tasks the co-op opened. Each task names "
    "its kind, unit, governed rubric version and a pay rate per unit that must be at or above the "
    "governed pay floor in force when it opens. A member signs each contribution (content SHA-256, "
    "consent terms, reported minutes) with their own key; members who are not the author review it "
    "against the rubric; on acceptance the co-op countersigns it, logs it and posts the base pay. "
    "Only accepted contributions whose consent permits the release's uses are released."
)


def release_url(base_url: str, release_id: str) -> str:
    """The release's page, where its items, check and bundle are served."""
    return f"{base_url.rstrip('/')}/releases/{release_id}"


def rai_properties(lineage: ReleaseLineage, base_url: str, log_origin: str) -> dict[str, Any]:
    """The Croissant RAI 1.0 properties (names as in the RAI spec and mlcroissant's vocabulary)."""
    url = release_url(base_url, lineage.release_id)
    times = sorted(i.accepted["accepted_at"] for i in lineage.items)
    reviews = sorted({i.accepted["rubric"]["policy"] for i in lineage.items})
    return {
        "rai:dataCollection": DATA_COLLECTION,
        "rai:dataCollectionType": ["Manual Human Curator", "Others: commissioned expert work by paid co-op members"],
        "rai:dataCollectionRawData": (
            "Work members submitted for the co-op's tasks. The lineage records each item's content hash, "
            "author key and signed terms; it does not record the sources a member drew on."
        ),
        "rai:dataCollectionTimeframe": [times[0], times[-1]] if times else [],
        "rai:dataAnnotationProtocol": [_annotation_protocol(lineage)],
        "rai:dataAnnotationPlatform": [f"coop-ledger (the co-op's own platform; public provenance log {log_origin})"],
        "rai:annotationsPerItem": (
            "One contribution per item, accepted after the reviews its rubric requires; "
            "the review digest is in each record."
        ),
        "rai:annotatorDemographics": [
            "Members of the co-operative, identified only by pseudonymous signing keys; "
            "no demographic data is published.",
            *_pay_lines(lineage),
        ],
        "rai:personalSensitiveInformation": [
            "The lineage holds no member names, emails or other personal data: "
            "contributors appear as pseudonymous key ids.",
            "Content is written to task instructions; it is not screened for personal data by the lineage itself.",
        ],
        "rai:dataUseCases": [
            f"Released for: {', '.join(lineage.manifest['intended_uses'])}.",
            *_consent_lines(lineage),
        ],
        "rai:dataLimitations": _limitations(lineage, url),
        "rai:dataBiases": [
            (
                "Items reflect the co-op's members who took these tasks and the rubric versions in force; "
                f"contributor counts: {len({i.statement['author'] for i in lineage.items})} distinct keys "
                f"for {len(lineage.items)} items."
            ),
            f"Only contributions that passed review against {', '.join(reviews)} are included (selection by rubric).",
        ],
        "rai:dataSocialImpact": (
            "Made by paid, consenting workers who own the co-op: pay meets a governed floor, consent is per "
            "item and revocable for future licenses, and revenue from licenses is shared with contributors "
            "and reviewers by a governed formula."
        ),
        "rai:dataReleaseMaintenancePlan": (
            f"Immutable: the release is log entry {lineage.release_entry} of {log_origin} with items root "
            f"{lineage.manifest['items_root']}; changes come as a new release. Consent revocations are "
            f"logged and bind later licenses. Verify offline with the bundle at {url}/bundle (`coop verify`)."
        ),
        "rai:dataManipulationProtocol": (
            "None: items are released as accepted; the record file is derived from signed log entries only."
        ),
    }


def _annotation_protocol(lineage: ReleaseLineage) -> str:
    versions = sorted({(i.accepted["rubric"]["policy"], i.accepted["rubric"]["version"]) for i in lineage.items})
    rubrics = ", ".join(f"{policy} v{version}" for policy, version in versions)
    return (
        f"Reviewed against governed rubrics ({rubrics}) by members other than the author; the rubric sets the reviews "
        "required and the accept/revise thresholds, and an item may go through revision rounds before acceptance."
    )


def _pay_lines(lineage: ReleaseLineage) -> list[str]:
    """Per task: its rate per unit and per hour (integer arithmetic, rounded down), the pay-floor version it
    was checked against, and what members' reported minutes imply — the honest rate."""
    lines = []
    for task_id, items in sorted(_by_task(lineage).items()):
        task = items[0].task
        currency = task["currency"]
        rate = hourly_rate(task["pay_per_unit"], task["minutes_per_unit"])
        paid = sum(i.accepted["pay"]["per_unit"] * i.accepted["pay"]["units"] for i in items)
        minutes = sum(i.statement["minutes"] for i in items)
        reported = (
            f"{amount_text(paid * 60 // minutes, currency)} per reported hour" if minutes else "no minutes reported"
        )
        lines.append(
            f"Pay, task {task_id} ({task['kind']}): "
            f"{amount_text(task['pay_per_unit'], currency)} per {task['unit']} of "
            f"{task['minutes_per_unit']} min = {amount_text(rate, currency)} per hour, at or above pay-floor "
            f"v{task['pay_floor']['version']}; {len(items)} items paid {amount_text(paid, currency)} "
            f"for {minutes} reported min = {reported}."
        )
    return lines


def _consent_lines(lineage: ReleaseLineage) -> list[str]:
    total = len(lineage.items)
    uses = Counter(use for i in lineage.items for use in i.statement["terms"]["permitted_uses"])
    sectors = Counter(sector for i in lineage.items for sector in i.statement["terms"]["excluded_sectors"])
    expiring = sum(1 for i in lineage.items if i.statement["terms"].get("expires"))
    excluded = lineage.manifest.get("excluded") or {}
    return [
        "Consent (signed per item), permitted uses: "
        + (", ".join(f"{use} {n} of {total}" for use, n in sorted(uses.items())) or "none")
        + ".",
        "Consent, excluded sectors: "
        + (", ".join(f"{sector} {n} of {total}" for sector, n in sorted(sectors.items())) or "none")
        + ".",
        f"Consent with an expiry date: {expiring} of {total}.",
        "Left out of this release because consent did not permit its uses: "
        + (", ".join(f"{reason} {n}" for reason, n in sorted(excluded.items())) or "none")
        + ".",
        (
            f"Consent-rules policy v{lineage.manifest['policies']['consent-rules']} was in force at release; "
            "each license is checked again per item for the buyer's declared uses and sector."
        ),
    ]


def _limitations(lineage: ReleaseLineage, url: str) -> list[str]:
    revoked = sorted(i.acceptance_entry for i in lineage.items if i.revocation_entry is not None)
    lines = [
        f"Not every item may be licensed for every use: check a declared use and sector at {url}/check before use."
    ]
    if revoked:
        lines.append(
            f"Consent has since been revoked for {len(revoked)} of {len(lineage.items)} items (entries "
            f"{', '.join(map(str, revoked))}): they may not be newly licensed."
        )
    else:
        lines.append("No consent in this release had been revoked when this metadata was generated.")
    return lines


def _by_task(lineage: ReleaseLineage) -> dict[str, list[ItemLineage]]:
    groups: dict[str, list[ItemLineage]] = {}
    for item in lineage.items:
        groups.setdefault(item.task["task"], []).append(item)
    return groups
