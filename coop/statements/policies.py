"""The bodies of the governed policies, as `policy.adopted` logs them and proposals would adopt them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from msgspec import Meta, Struct

from coop.rules.consent import SECTORS, USES, Sector, Use
from coop.rules.review import TASK_KINDS, TaskKind
from coop.statements.fields import (
    Bps,
    Count,
    Currency,
    Exact,
    Name,
    Positive,
    Sha256,
    StatementRefused,
    Terms,
    Time,
)

Weight = Literal["base_pay", "units", "minutes", "equal"]  # what a contribution weighs by in the revenue formula
WEIGHTS: tuple[Weight, ...] = get_args(Weight)


class PayFloor(Exact):
    hourly_minimum: Annotated[dict[Currency, Positive], Meta(min_length=1, max_length=20)]
    flag_after_accepted: Positive


class Criterion(Exact):
    name: Annotated[str, Meta(min_length=1, max_length=40)]
    description: Annotated[str, Meta(max_length=300)]
    min: Count
    max: Count


class AcceptanceRule(Exact):
    reviews_required: Count
    accept_min_average_pct: Count
    revise_min_average_pct: Count
    max_spread_pct: Count
    max_reviews: Count
    max_revision_rounds: Count


class Rubric(Exact):
    task_kind: TaskKind
    criteria: Annotated[list[Criterion], Meta(min_length=1, max_length=8)]
    acceptance: AcceptanceRule


class Adjudication(Exact):
    """The minimum alpha (basis points of 1; None: no minimum) and the items it needs to apply."""

    minimum_alpha_bps: Bps | None
    minimum_items: Annotated[int, Meta(ge=1, le=100_000)]


class PayoutApprovals(Exact):
    """The two-person rule for payouts (docs/payouts.md): how many stewards besides the proposer
    approve a run, and for how many days a member the proposer admitted counts as theirs."""

    approvals_required: Annotated[int, Meta(ge=1, le=5)]
    recent_admission_days: Annotated[int, Meta(ge=0, le=3650)]


class PayCeiling(Exact):
    """Per currency, the most one steward may set alone (coop.rules.pay_ceiling): pay per unit and a
    task's total committed pay, in minor units."""

    per_unit_minor: Annotated[dict[Currency, Positive], Meta(max_length=20)]
    per_task_minor: Annotated[dict[Currency, Positive], Meta(max_length=20)]


class Witness(Exact):
    """One witness the log submits its checkpoints to (docs/witnesses.md): a C2SP signed-note vkey
    of type 0x04 (`<name>+<hex id>+<base64>`), and the URL its `/add-checkpoint` is under."""

    name: Annotated[str, Meta(min_length=1, max_length=200)]
    vkey: Annotated[str, Meta(min_length=1, max_length=400)]
    url: Annotated[str, Meta(pattern=r"^https?://", max_length=400)]


class Witnesses(Exact):
    """The witness policy: a checkpoint counts as witnessed with `k` cosignatures from these."""

    k: Annotated[int, Meta(ge=0, le=20)]
    witnesses: Annotated[list[Witness], Meta(max_length=20)]


class ConsentRules(Exact):
    excluded_sectors: Annotated[list[Sector], Meta(max_length=len(SECTORS))]
    excluded_uses: Annotated[list[Use], Meta(max_length=len(USES))]
    default_terms: Terms


class RevenueFormula(Exact):
    reserve_bps: Bps
    reviewer_bps: Bps
    weight: Weight


class GovernanceRules(Exact):
    voting_period_hours: Positive
    min_voting_minutes: Positive
    max_voting_hours: Positive
    quorum_bps: Bps
    threshold: Annotated[dict[Name, Name], Meta(min_length=1, max_length=16)]


POLICY_BODIES: dict[str, type[Struct]] = {
    "pay-floor": PayFloor,
    "consent-rules": ConsentRules,
    "revenue-formula": RevenueFormula,
    "governance-rules": GovernanceRules,
    "adjudication": Adjudication,
    "payout-approvals": PayoutApprovals,
    "pay-ceiling": PayCeiling,
    "witnesses": Witnesses,
}


def policy_body_type(name: str) -> type[Struct]:
    """The schema of policy `name`'s body: one of POLICY_BODIES, or a rubric (`rubric.<task kind>`)."""
    if name.startswith("rubric.") and name[len("rubric.") :] in TASK_KINDS:
        return Rubric
    if name not in POLICY_BODIES:
        raise StatementRefused(f"there is no policy named {name!r}")
    return POLICY_BODIES[name]


class PolicyAdopted(Exact):
    policy: Name
    version: Positive
    body_sha256: Sha256
    body: dict[str, Any]  # checked against the policy's own schema (policy_body_type) by check_statement
    effective_at: Time
    adopted_via: Annotated[str, Meta(pattern=r"^(seed|proposal:[0-9a-f]{32})$")]
