"""Checkpoints are cosigned in the background, never in the append path (docs/witnesses.md).

Every server process runs this ticker; only the one holding the `witnessing` lead (web.leadership:
an advisory lock on PostgreSQL, an flock beside a SQLite file) submits checkpoints, so witnesses
see one stream of requests from the log however many servers run. Each tick asks every witness of
the policy to cosign the latest checkpoint (governance.witnessing.Witnessing.cosign_latest); a tick
with no witnesses in the policy is one policy read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio.to_thread

from governance.witnessing import Witnessing
from web.leadership import lead_for

EVERY_SECONDS = 2.0


class WitnessTicker:
    def __init__(self, witnessing: Witnessing, every_seconds: float = EVERY_SECONDS):
        self.witnessing = witnessing
        self.every = every_seconds
        self.task: asyncio.Task[None] | None = None
        self.lead = lead_for(witnessing.engine, "witnessing")
        self.rounds = 0  # rounds this process ran as the leader
        self.last: dict[str, str] = {}  # per witness, what the last round did (for logs and tests)

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await anyio.to_thread.run_sync(self.lead.release)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await anyio.to_thread.run_sync(self.tick)
            except Exception:  # noqa: BLE001 - keep ticking; the error is logged, the next tick retries
                logging.getLogger("coop.witnessing").exception("cosigning the latest checkpoint failed")

    def tick(self) -> None:
        if self.lead.hold():
            self.rounds += 1
            self.last = self.witnessing.cosign_latest()
