"""Checkpoints are cosigned in the background, never in the append path (docs/witnesses.md).

Every server process runs this ticker; only the one holding the `witnessing` lead (web.leadership:
an advisory lock on PostgreSQL, an flock beside a SQLite file) submits checkpoints, so witnesses
see one stream of requests from the log however many servers run. Each tick asks every witness of
the policy to cosign the latest checkpoint (governance.witnessing.Witnessing.cosign_latest); a tick
with no witnesses in the policy is one policy read.
"""

from __future__ import annotations

from governance.witnessing import Witnessing
from web.leadership import LeadTicker

EVERY_SECONDS = 2.0


class WitnessTicker(LeadTicker):
    job = "witnessing"
    failure = "cosigning the latest checkpoint failed"
    logger = "coop.witnessing"

    def __init__(self, witnessing: Witnessing, every_seconds: float = EVERY_SECONDS):
        self.witnessing = witnessing
        self.last: dict[str, str] = {}  # per witness, what the last round did (for logs and tests)
        super().__init__(witnessing.engine, every_seconds)

    def work(self) -> None:
        self.last = self.witnessing.cosign_latest()
