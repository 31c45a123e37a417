"""What the ledger asks of the layers above it, as small interfaces wired together at the top.

The ledger sits below the datasets (.importlinter), yet a member's statement shows how each of
their revenue shares was computed, and that needs their contributions as licensed — which the
datasets keep (coop.datasets.share_inputs.member_contributions). So the ledger names what it needs here
and web/runtime.py hands it the datasets' function when it builds the LedgerService.

Likewise a payout run is judged by the members' `payout-approvals` policy, which governance keeps,
above the ledger: `PayoutPolicy` is how the payouts ask for the version in force
(governance.payout_policy.payout_policy, wired by web/runtime.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from ledger.formula import ContributionWeightInput
from ledger.payout_rules import ApprovalPolicy

__all__ = ["LicensedContributions", "PayoutPolicy"]


class LicensedContributions(Protocol):
    """The member's contributions in each of the given licenses (every license id a key, an empty
    list for none), in log index order, with every weight the formula may use, read within the
    caller's session."""

    def __call__(
        self, session: Session, license_ids: list[str], member: str
    ) -> dict[str, list[ContributionWeightInput]]: ...


class PayoutPolicy(Protocol):
    """The `payout-approvals` policy version in force at `at`; Refused when none is (a database
    `coop init` has not seeded): without a rule in force no run may be proposed."""

    def __call__(self, at: datetime, /) -> ApprovalPolicy: ...
