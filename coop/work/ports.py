"""What work asks of the layers above it, as small interfaces wired together at the top.

Work sits below the datasets (.importlinter), yet a contributor's consent revocation must reach
every licensee whose license already includes the contribution (issue 15, part 4): the datasets
know the licenses, so they write the notices. Work names the one call it makes here, and
web/runtime.py hands it the datasets' function when it builds the ContributionService — as the
ledger's port (ledger/ports.py) does for members' statements.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

__all__ = ["ConsentRevoked"]


class ConsentRevoked(Protocol):
    """Called once per contribution, in the revocation's own open write transaction (the revocation
    is already logged at `revocation_entry`, so the log's head stays locked until commit): whatever
    it writes commits or rolls back with the revocation itself."""

    def __call__(self, session: Session, contribution_id: str, revocation_entry: int, at: datetime) -> None: ...
