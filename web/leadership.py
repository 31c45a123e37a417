"""One process at a time runs a background job (closing due votes), however many servers run.

`coop serve --workers N`, or servers on several hosts, all run the same background ticker; only
the process holding the job's lead does the work. The lead is a lock released by whoever outlives
the leader, not a lease with an expiry: PostgreSQL releases a session-level advisory lock when the
leader's connection ends, the kernel releases an flock when the leader's process ends. So another
process takes over at its next try, without an expiry to tune and without comparing clocks.

- PostgreSQL: `pg_try_advisory_lock` on a connection the leader keeps to itself (autocommit, so it
  never sits idle in a transaction). The key is derived from the job and the schema: co-ops kept
  in different schemas of one database do not block each other.
- SQLite (one host; several processes share the file in WAL mode): `flock` on a file beside the
  database. An in-memory database lives in one process, which therefore always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import IO, Protocol

import anyio.to_thread
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from coop.kernel.db import is_postgresql

log = logging.getLogger("web.leadership")


class Lead(Protocol):
    def hold(self) -> bool:
        """True if this process leads the job now: keeps the lead it has, or takes it if free."""

    def release(self) -> None:
        """Give the lead up (at shutdown); another process may take it at its next try."""


def lead_for(engine: Engine, job: str) -> Lead:
    """The lead of `job` among every process using the database behind `engine`."""
    if is_postgresql(engine):
        return AdvisoryLock(engine, job)
    database = engine.url.database
    if not database or database == ":memory:":
        return SoleProcess()
    return FileLock(Path(f"{database}-{job}.lock"))


class SoleProcess:
    """An in-memory SQLite database is seen by one process only: it leads."""

    def hold(self) -> bool:
        return True

    def release(self) -> None:
        pass


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock, held on a connection kept out of the pool."""

    def __init__(self, engine: Engine, job: str):
        self.engine = engine
        self.job = job
        self._conn: Connection | None = None
        self._backend: int | None = None

    def hold(self) -> bool:
        if self._conn is not None:
            if self._still_ours():
                return True
            log.warning("lost the lead of %s: its database session ended", self.job)
            self._drop()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
            taken, backend = conn.execute(
                text("SELECT pg_try_advisory_lock(CAST(:key AS bigint)), pg_backend_pid()"),
                {"key": advisory_key(self.job, schema)},
            ).one()
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
        if not taken:
            conn.close()  # back to the pool: this session holds no lock
            return False
        self._conn, self._backend = conn, backend
        log.info("process %d leads %s (advisory lock, backend %d)", os.getpid(), self.job, backend)
        return True

    def _still_ours(self) -> bool:
        """The same backend session is alive, so the lock it took is still held. (SQLAlchemy may
        reconnect a Connection behind our back after an error; the backend id tells.)"""
        assert self._conn is not None
        try:
            return self._conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == self._backend
        except DBAPIError:
            return False

    def release(self) -> None:
        self._drop()

    def _drop(self) -> None:
        """Close the session itself, never return it to the pool: ending the session releases the
        lock, whereas a pooled connection would keep it for whoever checks it out next."""
        if self._conn is not None:
            conn, self._conn, self._backend = self._conn, None, None
            conn.invalidate()
            conn.close()


class FileLock:
    """An exclusive `flock` on a file beside the SQLite database; the kernel drops it with the process."""

    def __init__(self, path: Path):
        self.path = path
        self._file: IO[bytes] | None = None

    def hold(self) -> bool:
        if self._file is not None:
            return True
        handle = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), "r+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        except BaseException:
            handle.close()
            raise
        self._file = handle
        log.info("process %d leads (flock on %s)", os.getpid(), self.path)
        return True

    def release(self) -> None:
        if self._file is not None:
            handle, self._file = self._file, None
            handle.close()  # closing the only descriptor of the open file releases the flock


def advisory_key(job: str, schema: str) -> int:
    """A signed 64-bit key for pg_try_advisory_lock, one per job and schema."""
    digest = hashlib.blake2b(f"coop-ledger lead {job} in {schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class LeadTicker:
    """A background job every few seconds, run only by the process holding the job's lead: every
    server process runs one per job, and when the leader stops or dies another takes over at its
    next tick. Subclasses say what a round does (`work`) and how a failed round is logged."""

    job = ""  # the lead's name, e.g. "close-due"
    failure = "the background job failed"
    logger = "coop"

    def __init__(self, engine: Engine, every_seconds: float):
        self.every = every_seconds
        self.task: asyncio.Task[None] | None = None
        self.lead = lead_for(engine, self.job)
        self.rounds = 0  # rounds this process ran as the leader

    def work(self) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task  # a tick under way finishes first: the lead is not released under it
        await anyio.to_thread.run_sync(self.lead.release)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await anyio.to_thread.run_sync(self.tick)
            except Exception:  # noqa: BLE001 - keep ticking; the error is logged, the next tick retries
                logging.getLogger(self.logger).exception(self.failure)

    def tick(self) -> None:
        if self.lead.hold():
            self.rounds += 1
            self.work()
