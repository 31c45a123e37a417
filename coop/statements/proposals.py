"""Governance's statement kinds: `proposal.opened`, `ballot` and `proposal.result`.

A proposal's options are checked twice: as proposed (`check_proposal_options`, the wording of a
resolution included) and as logged (`LOGGED_OPTIONS`: a resolution's wording replaced by its SHA-256,
the text itself kept beside the log).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from msgspec import Meta, Struct

from coop.rules.review import TaskKind
from coop.statements.fields import (
    MAX_DRAFTS,
    MAX_TEXT,
    Bps,
    Count,
    Exact,
    Id,
    Label,
    Name,
    PolicyRef,
    Positive,
    Sha256,
    StatementRefused,
    Time,
    convert,
)
from coop.statements.policies import (
    Adjudication,
    ConsentRules,
    GovernanceRules,
    PayCeiling,
    PayFloor,
    PayoutApprovals,
    RevenueFormula,
    Rubric,
    Witnesses,
)

MAX_BALLOTS_PER_VOTER = 5  # ballots one member may cast on one proposal (the last counts): bounds ballot spam

ProposalKind = Literal[
    "pay-floor",
    "rubric",
    "consent-rules",
    "revenue-formula",
    "governance-rules",
    "adjudication",
    "payout-approvals",
    "pay-ceiling",
    "witnesses",
    "admit-member",
    "resolution",
]
PROPOSAL_KINDS: tuple[ProposalKind, ...] = get_args(ProposalKind)


# -- proposal options, per proposal kind ---------------------------------------------------------


class PayFloorOptions(Exact):
    body: PayFloor


class ConsentRulesOptions(Exact):
    body: ConsentRules


class RevenueFormulaOptions(Exact):
    body: RevenueFormula


class GovernanceRulesOptions(Exact):
    body: GovernanceRules


class AdjudicationOptions(Exact):
    body: Adjudication


class PayoutApprovalsOptions(Exact):
    body: PayoutApprovals


class PayCeilingOptions(Exact):
    body: PayCeiling


class WitnessesOptions(Exact):
    body: Witnesses


class Draft(Exact):
    label: Label
    body: Rubric


class RubricOptions(Exact):
    task_kind: TaskKind
    drafts: Annotated[list[Draft], Meta(min_length=1, max_length=MAX_DRAFTS)]


class AdmitOptions(Exact):
    member: Id


class ResolutionOptions(Exact):
    """As proposed: the wording itself, which is kept beside the log."""

    text: Annotated[str, Meta(min_length=1, max_length=MAX_TEXT)]


class LoggedResolutionOptions(Exact):
    """As logged: the wording's SHA-256 (its text is in `log_text`)."""

    text_sha256: Sha256


PROPOSAL_OPTIONS: dict[str, type[Struct]] = {
    "pay-floor": PayFloorOptions,
    "rubric": RubricOptions,
    "consent-rules": ConsentRulesOptions,
    "revenue-formula": RevenueFormulaOptions,
    "governance-rules": GovernanceRulesOptions,
    "adjudication": AdjudicationOptions,
    "payout-approvals": PayoutApprovalsOptions,
    "pay-ceiling": PayCeilingOptions,
    "witnesses": WitnessesOptions,
    "admit-member": AdmitOptions,
    "resolution": ResolutionOptions,
}
LOGGED_OPTIONS: dict[str, type[Struct]] = {**PROPOSAL_OPTIONS, "resolution": LoggedResolutionOptions}
if tuple(PROPOSAL_OPTIONS) != PROPOSAL_KINDS:  # one list of kinds, spelled twice only for the type checker
    raise RuntimeError(f"proposal kinds {PROPOSAL_KINDS} and their options {tuple(PROPOSAL_OPTIONS)} differ")


def check_proposal_options(kind: str, options: Any) -> None:
    """The shape of a proposal's options as proposed (types, lengths, no unknown keys)."""
    if kind not in PROPOSAL_OPTIONS:
        raise StatementRefused(f"proposal kind must be one of {', '.join(PROPOSAL_OPTIONS)}")
    convert(options, PROPOSAL_OPTIONS[kind], f"{kind} proposal options")


# -- tally results (proposal.result) -------------------------------------------------------------


class QuorumOut(Exact):
    eligible: Count
    turnout: Count
    quorum_bps: Bps
    required: Count
    met: bool


class ThresholdOut(Exact):
    numerator: Positive
    denominator: Positive
    strict: bool
    rule: Annotated[str, Meta(max_length=80)]
    met: bool


class YesNoCounts(Exact):
    yes: Count
    no: Count
    abstain: Count


class ListCommitment(Exact):
    """A list logged as its length and list_root (governance.recount.logged_result): the ballots a
    result counted, superseded or rejected grow with the membership, so the full lists stay in the
    service's report and a recount, and the entry commits to them."""

    count: Count
    root: Sha256


class YesNoOut(Exact, tag_field="method", tag="yes-no"):
    outcome: Literal["adopted", "rejected", "no_quorum"]
    counts: YesNoCounts
    quorum: QuorumOut
    threshold: ThresholdOut
    counted: ListCommitment
    superseded: ListCommitment
    rejected: ListCommitment


class OptionVotes(Exact):
    option: Label
    votes: Count


class RoundOut(Exact):
    round: Positive
    counts: Annotated[list[OptionVotes], Meta(max_length=MAX_DRAFTS)]
    active: Count
    exhausted: Count
    elected: Label | None
    eliminated: Label | None
    tied: Annotated[list[Label], Meta(max_length=MAX_DRAFTS)]
    decided_by_round: Positive | None
    explanation: Annotated[str, Meta(max_length=1000)]


class RankedOut(Exact, tag_field="method", tag="instant-runoff"):
    outcome: Literal["elected", "no_quorum"]
    winner: Label | None
    options: Annotated[list[Label], Meta(min_length=1, max_length=MAX_DRAFTS)]
    rounds: Annotated[list[RoundOut], Meta(max_length=MAX_DRAFTS)]
    quorum: QuorumOut
    counted: ListCommitment
    superseded: ListCommitment
    rejected: ListCommitment


# -- the statement kinds ---------------------------------------------------------------------------


class BallotBody(Exact):
    proposal: Id
    member: Id
    vote: Label | Annotated[list[Label], Meta(min_length=1, max_length=MAX_DRAFTS)]
    cast_at: Time


class ProposalOpened(Exact):
    proposal: Id
    kind: ProposalKind
    method: Literal["yes-no", "ranked"]
    options: dict[str, Any]  # checked against LOGGED_OPTIONS[kind] by check_statement
    policy: Name | None
    quorum_bps: Bps
    threshold: Name
    opens_at: Time
    closes_at: Time
    effective_at: Time | None
    eligible_count: Count  # the members eligible to vote, stored in proposal_eligible and served at
    eligible_root: Sha256  # GET /api/proposals/{id}/eligible: list_root of their ids, sorted
    rules: PolicyRef
    proposer: Id


class ProposalResult(Exact):
    proposal: Id
    result: YesNoOut | RankedOut
    closed_at: Time
