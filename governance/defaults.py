"""Version 1 of every policy, seeded at `coop init` until the members vote on something better.

Amounts are integer minor units; rates are per hour. Rubric scores are small integers per criterion.
"""

from __future__ import annotations

from typing import Any

PAY_FLOOR: dict[str, Any] = {
    "hourly_minimum": {"EUR": 1800, "USD": 2000, "GBP": 1600},
    "flag_after_accepted": 5,  # median check once a task has this many accepted contributions
}


def rubric(kind: str, criteria: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "task_kind": kind,
        "criteria": [{"name": name, "description": text, "min": 1, "max": 5} for name, text in criteria],
        "acceptance": {
            "reviews_required": 2,
            "accept_min_average_pct": 70,  # mean of all scores ≥ 70% of the scale's maximum
            "revise_min_average_pct": 45,  # below accept, at or above this: revision requested
            "max_spread_pct": 40,  # reviewers' averages further apart than this: one more review
            "max_reviews": 3,
            "max_revision_rounds": 2,
        },
    }


RUBRICS: dict[str, dict[str, Any]] = {
    "expert-answer": rubric(
        "expert-answer",
        [
            ("correctness", "Is the answer factually and technically right?"),
            ("completeness", "Does it address every part of the question?"),
            ("clarity", "Could a non-expert follow it?"),
        ],
    ),
    "ranking": rubric(
        "ranking",
        [
            ("consistency", "Are the preferences consistent with the guidelines?"),
            ("justification", "Is the stated reason specific and sound?"),
        ],
    ),
    "rubric-writing": rubric(
        "rubric-writing",
        [
            ("coverage", "Do the criteria cover what matters?"),
            ("gradeability", "Can two graders apply it the same way?"),
        ],
    ),
    "evaluation": rubric(
        "evaluation",
        [("accuracy", "Are the judgements right?"), ("evidence", "Are they backed by evidence from the output?")],
    ),
    "correction": rubric(
        "correction",
        [("correctness", "Is the corrected version right?"), ("minimality", "Does it change only what was wrong?")],
    ),
    "demonstration": rubric(
        "demonstration",
        [("quality", "Is the demonstration exemplary?"), ("fidelity", "Does it follow the instructions exactly?")],
    ),
}

CONSENT_RULES: dict[str, Any] = {
    "excluded_sectors": ["military"],
    "excluded_uses": [],
    "default_terms": {
        "permitted_uses": ["model-training", "model-evaluation", "research"],
        "excluded_sectors": ["surveillance", "biometric-identification"],
        "expires": None,
    },
}

# The minimum Krippendorff's alpha below which a task's answers go to adjudication instead of acceptance
# (coop.work.agreement). In basis points, because the log holds no floats: 6670 is an alpha of 0.667.
# Off (null) until the members vote a minimum in; it applies once `minimum_items` items are answered
# more than once, so a task's first few answers do not decide its fate.
ADJUDICATION: dict[str, Any] = {"minimum_alpha_bps": None, "minimum_items": 10}

# The two-person rule for payouts (ledger.payout_rules, docs/payouts.md): a run is paid once this many
# stewards other than its proposer approved it; a line paying a steward, or a member the proposer
# admitted in the last `recent_admission_days` days, needs approvers independent of both.
PAYOUT_APPROVALS: dict[str, Any] = {"approvals_required": 1, "recent_admission_days": 30}
# The most one steward may put a task's pay at alone (coop.rules.pay_ceiling): the pay per unit and the
# total pay one task may commit, per currency, in minor units. Above either, a second steward approves
# the task (a signed, logged statement) before any work on it can be claimed, submitted or paid.
PAY_CEILING: dict[str, Any] = {
    "per_unit_minor": {"EUR": 5000, "USD": 5500, "GBP": 4500},
    "per_task_minor": {"EUR": 2_500_000, "USD": 2_750_000, "GBP": 2_250_000},
}

# No witnesses until the members adopt some (docs/witnesses.md): k 0 means a checkpoint needs no
# cosignature, and the log submits its checkpoints to nobody.
WITNESSES: dict[str, Any] = {"k": 0, "witnesses": []}

REVENUE_FORMULA: dict[str, Any] = {"reserve_bps": 1000, "reviewer_bps": 1000, "weight": "base_pay"}

GOVERNANCE_RULES: dict[str, Any] = {
    "voting_period_hours": 168,  # the default; a proposer may choose between the bounds below
    "min_voting_minutes": 1,  # the founding members' choice for trying things out; vote it up
    "max_voting_hours": 720,
    "quorum_bps": 3000,
    # Named rules, exact in integers (governance.tally.Threshold): "simple-majority" is yes·2 > yes+no,
    # "two-thirds" is yes·3 ≥ 2·(yes+no). Abstentions count for quorum, not for the threshold.
    "threshold": {
        "default": "simple-majority",
        "revenue-formula": "two-thirds",
        "consent-rules": "two-thirds",
        "governance-rules": "two-thirds",
    },
}


def all_defaults() -> dict[str, dict[str, Any]]:
    policies = {
        "pay-floor": PAY_FLOOR,
        "consent-rules": CONSENT_RULES,
        "revenue-formula": REVENUE_FORMULA,
        "governance-rules": GOVERNANCE_RULES,
        "adjudication": ADJUDICATION,
        "payout-approvals": PAYOUT_APPROVALS,
        "pay-ceiling": PAY_CEILING,
        "witnesses": WITNESSES,
    }
    policies.update({f"rubric.{kind}": body for kind, body in RUBRICS.items()})
    return policies
