"""The two-person rule's statement kinds: a payout run proposed, approved, sent (docs/payouts.md).

A run's lines are logged as their count, total and Merkle root (`provenance.core.commitment`):
a run pays every member owed enough, so its lines may not fit one entry; anyone holding the lines
(GET /api/payouts/runs/{id}) recomputes the root. The approval is the approver's own statement,
signed by their key over that root and total, so no one can claim they approved other lines.
"""

from __future__ import annotations

from coop.statements.fields import Count, Currency, Exact, Id, PolicyRef, Positive, Sha256, Time


class PayoutProposed(Exact):
    """The co-op's record that a steward proposed a run; nothing is paid until it is approved."""

    run: Id
    by: Id
    currency: Currency
    minimum: Positive
    lines: Count
    total: Count
    lines_root: Sha256
    policy: PolicyRef
    time: Time


class PayoutApproved(Exact):
    """Signed by the approving steward's own key: these lines, this total, paid."""

    run: Id
    member: Id
    lines_root: Sha256
    total: Count
    currency: Currency
    approved_at: Time


class PayoutSent(Exact):
    """The co-op's record that a steward handed the run's payment file to the bank."""

    run: Id
    by: Id
    time: Time
