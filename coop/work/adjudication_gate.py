"""The minimum-alpha rule at the moment of acceptance: hold the contribution for adjudication instead.

Called inside the review transaction when the rubric's rule says "accepted" (ReviewService via
coop.work.acceptance). It holds back only contributions that answer an item (agreement is about
items answered more than once; free-form work has none) and only while the `adjudication` policy in
force sets a minimum: then the task's agreement is measured (coop.work.agreement, a couple of
queries) and, when the verdict requires it, an insert-only Adjudication row is written, logged as
`contribution.adjudication-opened`, and the contribution waits as "in-adjudication" — not accepted,
not paid — until a reviewer who took no part decides (coop.work.adjudication).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from coop.work.adjudication_models import Adjudication
from coop.work.agreement import POLICY, Measured, adjudication_verdict, measure, policy_minimum
from coop.work.claim_models import ContributionAnswer
from coop.work.models import Contribution, ContributionStatus
from governance.policies import NoPolicy, PolicyService
from provenance.service import ProvenanceLog

HELD: ContributionStatus = "in-adjudication"


def hold_if_disagreed(
    session: Session, log: ProvenanceLog, policies: PolicyService, row: Contribution, now: datetime
) -> str | None:
    """Hold `row` for adjudication if the rule requires it, and say why; None: accept as usual."""
    if session.get(ContributionAnswer, row.id) is None:
        return None
    try:
        policy = policies.in_force(POLICY, now)
    except NoPolicy:  # a database `coop init` has not seeded the policy into yet: no rule in force
        return None
    if policy_minimum(policy.body)[0] is None:
        return None
    measured = measure(session, row.task_id)
    verdict = adjudication_verdict(measured, policy.body)
    if not verdict.required:
        return None
    adjudication_id = uuid.uuid4().hex
    index = log.append_coop_statement(
        session.connection(),
        "contribution.adjudication-opened",
        {
            "adjudication": adjudication_id,
            "contribution": row.id,
            "task": row.task_id,
            "policy": policy.ref,
            "items": measured.items,
            "below": _below(measured, policy.body["minimum_alpha_bps"]),
            "time": now.isoformat(),
        },
    )
    session.add(
        Adjudication(
            id=adjudication_id,
            contribution_id=row.id,
            task_id=row.task_id,
            reason=verdict.reason,
            policy_version=policy.version,
            opened_at=now,
            log_index=index,
        )
    )
    row.status = HELD
    return verdict.reason


def _below(measured: Measured, minimum_bps: int) -> list[dict[str, object]]:
    """The figures below the minimum, as the log records them (rounded to basis points)."""
    return [
        {"figure": name, "alpha_bps": round(figure.value * 10_000)}
        for name, figure in measured.alphas.items()
        if figure.value is not None and figure.value < minimum_bps / 10_000
    ][:64]
