"""What the ledger asks of the layers above it, as small interfaces wired together at the top.

The ledger sits below the datasets (.importlinter), yet a member's statement shows how each of
their revenue shares was computed, and that needs their contributions as licensed — which the
datasets keep (coop.datasets.share_inputs.member_contributions). So the ledger names what it needs here
and web/runtime.py hands it the datasets' function when it builds the LedgerService.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from ledger.formula import ContributionWeightInput

__all__ = ["LicensedContributions"]


class LicensedContributions(Protocol):
    """The member's contributions in each of the given licenses (every license id a key, an empty
    list for none), in log index order, with every weight the formula may use, read within the
    caller's session."""

    def __call__(
        self, session: Session, license_ids: list[str], member: str
    ) -> dict[str, list[ContributionWeightInput]]: ...
