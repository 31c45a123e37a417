"""Every statement kind the co-op writes, by name, and the check each body passes before it is logged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec import Struct

from coop.kernel.errors import Refused
from coop.statements import books, datasets, members, payouts, policies, proposals, second_hand, work
from coop.statements.fields import MAX_BODY_BYTES, StatementRefused, convert
from provenance.core.canonical import canonical_json

SCHEMAS: dict[str, type[Struct]] = {
    "member.admitted": members.MemberAdmitted,
    "member.roles-changed": members.MemberRolesChanged,
    "member.status-changed": members.MemberStatusChanged,
    "member.key-registration": members.KeyRegistration,
    "member.key-rotation": members.KeyRotation,
    "member.key-acknowledged": members.KeyAcknowledged,
    "member.key-revocation": members.KeyRevocation,
    "task.opened": work.TaskOpened,
    "task.rate-raised": work.TaskRateRaised,
    "task.flagged": work.TaskFlagged,
    "task.items-imported": work.ItemsImported,
    "task.item-retired": work.ItemRetired,
    "task.answer-spec": work.AnswerSpecSet,
    "contribution": work.ContributionBody,
    "contribution.accepted": work.ContributionAccepted,
    "contribution.appealed": work.AppealFiled,
    "contribution.appeal-decided": work.AppealDecided,
    "contribution.adjudication-opened": work.AdjudicationOpened,
    "contribution.adjudication-decided": work.AdjudicationDecided,
    "consent.revocation": work.ConsentRevocation,
    "ballot": proposals.BallotBody,
    "proposal.opened": proposals.ProposalOpened,
    "proposal.result": proposals.ProposalResult,
    "policy.adopted": policies.PolicyAdopted,
    "release.published": datasets.ReleasePublished,
    "license.granted": datasets.LicenseGranted,
    "license.withdrawal": datasets.LicenseWithdrawal,
    "license.files": datasets.LicenseFiles,
    "payout.proposed": payouts.PayoutProposed,
    "payout.approved": payouts.PayoutApproved,
    "payout.sent": payouts.PayoutSent,
    "books.committed": books.BooksCommitted,
    "task.approval": second_hand.TaskApproval,
    "revenue.reported": second_hand.RevenueReported,
    "revenue.confirmation": second_hand.RevenueConfirmation,
}
# Signed by members (every other kind is signed by the co-op key).
MEMBER_KINDS = frozenset(
    {
        "member.key-registration",
        "member.key-rotation",
        "contribution",
        "consent.revocation",
        "ballot",
        "payout.approved",
        "task.approval",
        "revenue.confirmation",
    }
)
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
    checked = convert(body, schema, kind)
    if isinstance(checked, proposals.ProposalOpened):
        convert(checked.options, proposals.LOGGED_OPTIONS[checked.kind], f"{kind} options")
    elif isinstance(checked, policies.PolicyAdopted):
        convert(checked.body, policies.policy_body_type(checked.policy), f"{kind} body of {checked.policy}")
    size = len(canonical_json(dict(body)))
    if size > MAX_BODY_BYTES:
        raise StatementRefused(f"{kind}: the body is {size} bytes; a log entry holds at most {MAX_BODY_BYTES}")


def check_input(kind: str, body: Mapping[str, Any]) -> None:
    """`check_statement` for what arrives from outside (member-signed statements, proposals): a 400."""
    try:
        check_statement(kind, body)
    except StatementRefused as error:
        raise Refused(str(error)) from error
