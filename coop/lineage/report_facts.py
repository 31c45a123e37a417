"""Read a license's report facts from the database: the thin side of the buyer's paperwork.

The lineage (coop.lineage.gather) already holds every log entry the report rests on; this adds the
three facts the log does not hold — each licensed judgment's server-measured seconds, its task's
answer kind and its content size — plus the policy bodies the license and its items name. Three
grouped queries keyed by the license, whatever its size; the computing is coop.lineage.report's.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.datasets.models import LicenseItem
from coop.lineage.gather import ReleaseLineage
from coop.lineage.report import JudgmentFacts, LicenseFacts
from coop.work.claim_models import AnswerSpec, ContributionAnswer
from coop.work.models import ContentBlob, Contribution
from governance.models import PolicyVersion


def license_facts(engine: Engine, lineage: ReleaseLineage, log_origin: str, verifier_key: str) -> LicenseFacts:
    """The facts of the license `lineage` was gathered for (release_lineage(..., license_id))."""
    assert lineage.license is not None and lineage.license_entry is not None, "gathered for a license"
    license_id = lineage.license["license"]
    with Session(engine) as session:
        measured = dict(
            session.execute(
                select(LicenseItem.entry, ContributionAnswer.measured_seconds)
                .join(ContributionAnswer, ContributionAnswer.contribution_id == LicenseItem.contribution_id)
                .where(LicenseItem.license_id == license_id)
            ).all()
        )
        sizes = dict(
            session.execute(
                select(LicenseItem.entry, ContentBlob.size)
                .join(Contribution, Contribution.id == LicenseItem.contribution_id)
                .join(ContentBlob, ContentBlob.sha256 == Contribution.content_sha256)
                .where(LicenseItem.license_id == license_id)
            ).all()
        )
        tasks = sorted({item.task["task"] for item in lineage.items})
        answer_kinds = dict(
            session.execute(
                select(AnswerSpec.task_id, AnswerSpec.answer_kind).where(AnswerSpec.task_id.in_(tasks))
            ).all()
        )
        floors = {
            version: json.loads(body)
            for version, body in session.execute(
                select(PolicyVersion.version, PolicyVersion.body).where(PolicyVersion.name == "pay-floor")
            )
        }
        rules_version = lineage.license["consent_rules"]["version"]
        rules = session.scalar(
            select(PolicyVersion.body).where(
                PolicyVersion.name == "consent-rules", PolicyVersion.version == rules_version
            )
        )
        assert rules is not None, "a license names the consent rules it was checked under"
    judgments = [
        JudgmentFacts(
            item.acceptance_entry,
            item.accepted,
            item.task,
            answer_kinds.get(item.task["task"]) if item.acceptance_entry in measured else None,
            measured.get(item.acceptance_entry),
            sizes.get(item.acceptance_entry),
        )
        for item in lineage.items
        if item.acceptance_entry in lineage.licensed_entries
    ]
    return LicenseFacts(
        lineage.license_entry,
        lineage.license,
        lineage.release_entry,
        lineage.manifest,
        judgments,
        floors,
        json.loads(rules),
        log_origin,
        verifier_key,
    )
