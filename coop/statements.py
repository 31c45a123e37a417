"""The exact schema of every statement kind the co-op writes to its log — one home for all of them.

The log is permanent and public, so what may enter it is decided here, field by field (DESIGN.md,
identifiers contract; invariant 8): unknown keys are refused, every text is bounded and shaped
(ids, hashes, keys, times), every number is an integer of the right sign, and a whole body fits a
C2SP entry bundle. Long free text (a resolution's wording, a revocation's reason) never enters the
log: it is kept beside it in `log_text` and the entry carries its SHA-256.

`check_statement(kind, body)` is called by `ProvenanceLog.append_in_transaction`, the one place the
services append, so nothing unchecked reaches the log; member-signed statements are also checked
as they arrive (`check_input`), so a bad one is a 400 naming the field before anything is stored.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal, Mapping

import msgspec
from msgspec import Meta, Struct
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow
from coop.kernel.errors import Refused
from coop.kernel.principal import ROLES, STATUSES
from coop.rules.consent import SECTORS, USES
from coop.rules.review import TASK_KINDS
from provenance.core.canonical import canonical_json
from provenance.models import LogText
from provenance.writer import MAX_LEAF_BYTES

# Room the leaf needs around the body: the key, signature, kind and field names (~340 bytes).
MAX_BODY_BYTES = MAX_LEAF_BYTES - 512
# Inline lists are bounded so that a body at its limits still fits one entry. A list that grows with
# the co-op (eligible members, release items, a result's ballots) is logged as a commitment instead:
# its count and Merkle root (provenance.core.commitment), the list itself kept beside the log.
MAX_DRAFTS = 5  # competing rubric drafts in one ranked-choice proposal
MAX_BALLOTS_PER_VOTER = 5  # ballots one member may cast on one proposal (the last counts): bounds ballot spam
MAX_TEXT = 20_000  # characters of free text kept beside the log
REGISTRATION_PURPOSE = "register this key as my co-op signing key"
WEIGHTS = ("base_pay", "units", "minutes", "equal")


class StatementRefused(ValueError):
    """A statement body that does not match its kind's schema: it never enters the log."""


# -- shapes of the fields ----------------------------------------------------------------------

Id = Annotated[str, Meta(pattern=r"^[0-9a-f]{32}$")]  # uuid4 hex: accounts, tasks, proposals, …
KeyId = Annotated[str, Meta(pattern=r"^[0-9a-f]{32}$")]  # provenance.core.signing.key_id
Sha256 = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$")]
PublicKey = Annotated[str, Meta(pattern=r"^[A-Za-z0-9+/]{43}=$")]  # base64 of 32 bytes
Signature = Annotated[str, Meta(pattern=r"^[A-Za-z0-9+/]{86}==$")]  # base64 of 64 bytes
Time = Annotated[str, Meta(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$")]
Date = Annotated[str, Meta(pattern=r"^\d{4}-\d\d-\d\d$")]
Currency = Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
Name = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_.-]{0,63}$")]  # policy names, thresholds, reasons
Actor = Annotated[str, Meta(pattern=r"^([0-9a-f]{32}|bootstrap|proposal:[0-9a-f]{32})$")]
Count = Annotated[int, Meta(ge=0, le=2**53)]
Positive = Annotated[int, Meta(ge=1, le=2**53)]
Bps = Annotated[int, Meta(ge=0, le=10_000)]
Label = Annotated[str, Meta(min_length=1, max_length=80)]
Use = Literal[USES]  # type: ignore[valid-type]
Sector = Literal[SECTORS]  # type: ignore[valid-type]
TaskKind = Literal[TASK_KINDS]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Uses = Annotated[list[Use], Meta(min_length=1, max_length=len(USES))]
Excluded = Annotated[dict[Name, Count], Meta(max_length=20)]


class Exact(Struct, forbid_unknown_fields=True):
    """Every field required, nothing else accepted."""


class PolicyRef(Exact):
    policy: Name
    version: Positive


class Money(Exact):
    amount: Count
    currency: Currency


class Terms(Exact):
    permitted_uses: Annotated[list[Use], Meta(max_length=len(USES))]
    excluded_sectors: Annotated[list[Sector], Meta(max_length=len(SECTORS))]
    expires: Date | None


# -- policy bodies (policy.adopted, and proposals that would adopt them) --------------------------


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


class ConsentRules(Exact):
    excluded_sectors: Annotated[list[Sector], Meta(max_length=len(SECTORS))]
    excluded_uses: Annotated[list[Use], Meta(max_length=len(USES))]
    default_terms: Terms


class RevenueFormula(Exact):
    reserve_bps: Bps
    reviewer_bps: Bps
    weight: Literal[WEIGHTS]  # type: ignore[valid-type]


class GovernanceRules(Exact):
    voting_period_hours: Positive
    min_voting_minutes: Positive
    max_voting_hours: Positive
    quorum_bps: Bps
    threshold: Annotated[dict[Name, Name], Meta(min_length=1, max_length=16)]


POLICY_BODIES: dict[str, type[Struct]] = {"pay-floor": PayFloor, "consent-rules": ConsentRules, "revenue-formula": RevenueFormula, "governance-rules": GovernanceRules}


def policy_body_type(name: str) -> type[Struct]:
    if name.startswith("rubric.") and name[len("rubric."):] in TASK_KINDS:
        return Rubric
    if name not in POLICY_BODIES:
        raise StatementRefused(f"there is no policy named {name!r}")
    return POLICY_BODIES[name]


# -- proposal options, per proposal kind ---------------------------------------------------------


class PayFloorOptions(Exact):
    body: PayFloor


class ConsentRulesOptions(Exact):
    body: ConsentRules


class RevenueFormulaOptions(Exact):
    body: RevenueFormula


class GovernanceRulesOptions(Exact):
    body: GovernanceRules


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
    "pay-floor": PayFloorOptions, "rubric": RubricOptions, "consent-rules": ConsentRulesOptions, "revenue-formula": RevenueFormulaOptions,
    "governance-rules": GovernanceRulesOptions, "admit-member": AdmitOptions, "resolution": ResolutionOptions,
}
LOGGED_OPTIONS: dict[str, type[Struct]] = {**PROPOSAL_OPTIONS, "resolution": LoggedResolutionOptions}


def check_proposal_options(kind: str, options: Any) -> None:
    """The shape of a proposal's options as proposed (types, lengths, no unknown keys)."""
    if kind not in PROPOSAL_OPTIONS:
        raise StatementRefused(f"proposal kind must be one of {', '.join(PROPOSAL_OPTIONS)}")
    _convert(options, PROPOSAL_OPTIONS[kind], f"{kind} proposal options")


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


class MemberAdmitted(Exact):
    member: Id
    by: Actor
    roles: Annotated[list[Role], Meta(min_length=1, max_length=len(ROLES))]
    time: Time


class MemberRolesChanged(Exact):
    member: Id
    by: Id
    roles: Annotated[list[Role], Meta(min_length=1, max_length=len(ROLES))]
    time: Time


class MemberStatusChanged(Exact):
    member: Id
    by: Id
    status: Status
    time: Time


class KeyRegistration(Exact):
    """Signed by the new key itself (proof of possession); trusted once the co-op acknowledges it."""

    member: Id
    purpose: Literal[REGISTRATION_PURPOSE]  # type: ignore[valid-type]


class KeyRotation(Exact):
    """Signed by the old key; the new key is trusted once the co-op acknowledges it."""

    member: Id
    old_key: KeyId
    new_key: PublicKey


class KeyAcknowledged(Exact):
    """The co-op's word that `key` is `member`'s signing key from log entry `entry` (their signed
    registration or rotation) on, replacing `replaces` if set. Recounts trust member keys only so."""

    member: Id
    key: PublicKey
    key_id: KeyId
    entry: Count
    replaces: KeyId | None
    time: Time


class KeyRevocation(Exact):
    member: Id
    key: KeyId
    by: Id
    reason_sha256: Sha256 | None


class TaskOpened(Exact):
    task: Id
    kind: TaskKind
    rubric: PolicyRef
    pay_floor: PolicyRef
    pay_per_unit: Positive
    currency: Currency
    minutes_per_unit: Positive
    unit: Annotated[str, Meta(min_length=1, max_length=40)]
    intended_uses: Uses
    opened_by: Id
    time: Time


class TaskRateRaised(Exact):
    task: Id
    pay_per_unit: Positive
    pay_floor: PolicyRef
    by: Id
    time: Time


class TaskFlagged(Exact):
    task: Id
    hourly_rate: Count
    pay_floor: PolicyRef
    time: Time


class ContributionBody(Exact):
    task: Id
    content_sha256: Sha256
    author: KeyId
    terms: Terms
    minutes: Positive
    units: Positive
    time: Time
    revises: Sha256 | None


class AuthorStatement(Exact):
    kind: Literal["contribution"]
    body: ContributionBody
    key: PublicKey
    sig: Signature


class Pay(Exact):
    per_unit: Positive
    units: Positive
    currency: Currency


class ContributionAccepted(Exact):
    statement: AuthorStatement
    review_digest: Sha256
    rubric: PolicyRef
    pay_floor: PolicyRef
    pay: Pay
    accepted_at: Time


class ConsentRevocation(Exact):
    contribution_entry: Count
    content_sha256: Sha256
    revokes: Literal["all future licenses"]


class BallotBody(Exact):
    proposal: Id
    member: Id
    vote: Label | Annotated[list[Label], Meta(min_length=1, max_length=MAX_DRAFTS)]
    cast_at: Time


class ProposalOpened(Exact):
    proposal: Id
    kind: Literal[tuple(PROPOSAL_OPTIONS)]  # type: ignore[valid-type]
    method: Literal["yes-no", "ranked"]
    options: dict[str, Any]  # checked against LOGGED_OPTIONS[kind] below
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


class PolicyAdopted(Exact):
    policy: Name
    version: Positive
    body_sha256: Sha256
    body: dict[str, Any]  # checked against the policy's own schema below
    effective_at: Time
    adopted_via: Annotated[str, Meta(pattern=r"^(seed|proposal:[0-9a-f]{32})$")]


class ReleasePolicies(Exact, rename={"consent_rules": "consent-rules", "revenue_formula": "revenue-formula"}):
    consent_rules: Positive
    revenue_formula: Positive


class ReleasePublished(Exact):
    release: Id
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    intended_uses: Uses
    items_root: Sha256  # list_root of [{entry, content_sha256}] by entry; the list travels in the bundle
    item_count: Positive
    excluded: Excluded
    price: Money
    policies: ReleasePolicies
    published_at: Time


class LicenseGranted(Exact):
    license: Id
    release: Id
    release_entry: Count
    buyer_org: Id
    uses: Uses
    sector: Literal[(*SECTORS, "other")] | None  # type: ignore[valid-type]  # a buyer's declared sector (consent.check_declaration)
    price: Money
    included_count: Positive
    included_root: Sha256
    excluded: Excluded
    granted_at: Time
    consent_rules: PolicyRef


SCHEMAS: dict[str, type[Struct]] = {
    "member.admitted": MemberAdmitted, "member.roles-changed": MemberRolesChanged, "member.status-changed": MemberStatusChanged,
    "member.key-registration": KeyRegistration, "member.key-rotation": KeyRotation, "member.key-acknowledged": KeyAcknowledged,
    "member.key-revocation": KeyRevocation, "task.opened": TaskOpened, "task.rate-raised": TaskRateRaised, "task.flagged": TaskFlagged,
    "contribution": ContributionBody, "contribution.accepted": ContributionAccepted, "consent.revocation": ConsentRevocation,
    "ballot": BallotBody, "proposal.opened": ProposalOpened, "proposal.result": ProposalResult, "policy.adopted": PolicyAdopted,
    "release.published": ReleasePublished, "license.granted": LicenseGranted,
}
# Signed by members (every other kind is signed by the co-op key).
MEMBER_KINDS = frozenset({"member.key-registration", "member.key-rotation", "contribution", "consent.revocation", "ballot"})
# The first word of every kind above: nobody else's statements may use these names.
NAMESPACES = frozenset(kind.split(".")[0] for kind in SCHEMAS)


def is_coop_kind(kind: str) -> bool:
    """A kind that is the co-op's or its members' (or could be mistaken for one)."""
    return kind in SCHEMAS or kind.split(".")[0] in NAMESPACES


def check_statement(kind: str, body: Mapping[str, Any]) -> None:
    """Refuse (StatementRefused, naming the field) any body that is not exactly its kind's schema."""
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise StatementRefused(f"statement kind {kind!r} is not one the co-op writes to its log")
    checked = _convert(body, schema, kind)
    if isinstance(checked, ProposalOpened):
        _convert(checked.options, LOGGED_OPTIONS[checked.kind], f"{kind} options")
    elif isinstance(checked, PolicyAdopted):
        _convert(checked.body, policy_body_type(checked.policy), f"{kind} body of {checked.policy}")
    size = len(canonical_json(dict(body)))
    if size > MAX_BODY_BYTES:
        raise StatementRefused(f"{kind}: the body is {size} bytes; a log entry holds at most {MAX_BODY_BYTES}")


def check_input(kind: str, body: Mapping[str, Any]) -> None:
    """`check_statement` for what arrives from outside (member-signed statements, proposals): a 400."""
    try:
        check_statement(kind, body)
    except StatementRefused as error:
        raise Refused(str(error)) from error


def _convert(value: Any, schema: type[Struct], what: str) -> Any:
    if not isinstance(value, Mapping):
        raise StatementRefused(f"{what}: expected an object")
    try:
        return msgspec.convert(dict(value), schema, strict=True)
    except msgspec.ValidationError as error:
        raise StatementRefused(f"{what}: {error}") from error


# -- free text beside the log ------------------------------------------------------------------------


def store_text(session: Session, text: str, clock: Any = utcnow) -> str:
    """Keep `text` beside the log (table log_text) and return the SHA-256 hex the log carries."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise Refused(f"a text kept beside the log is at most {MAX_TEXT} characters")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if session.get(LogText, digest) is None:
        session.add(LogText(sha256=digest, text=text, stored_at=clock()))
        session.flush()
    return digest


def text_of(session: Session, digest: str) -> str | None:
    row = session.get(LogText, digest)
    return row.text if row else None
