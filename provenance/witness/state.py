"""The witness's durable state: the latest checkpoint it cosigned per log origin, in its own SQLite file.

One `add-checkpoint` is one `BEGIN IMMEDIATE` transaction: read the latest, decide, record, commit
(fsync'd: WAL with synchronous=FULL), and only then answer. So two requests never race (the spec's
rollback race), and a witness killed at any instant restarts from the last answer it could have sent.
Besides the latest row, `cosigned` keeps every (origin, size, root) it ever cosigned; triggers in the
file itself refuse a second root for a size and a latest size going down, whatever the code does.
`refused` keeps each request the log really signed but the witness refused as a fork or a bad proof:
with the log's own signature on it, it is evidence of the log's misbehaviour (tlog-witness allows it).
Cosignature times never go back, even when the clock does: a later cosignature never claims an
earlier time than the last one.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from provenance.core.witness import Answer, Witnessed

Decision = Callable[[Callable[[str], Witnessed | None], int], Answer]  # (latest per origin, time) -> answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS latest (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL CHECK (size >= 0),
    root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
    cosigned_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cosigned (
    origin TEXT NOT NULL,
    size INTEGER NOT NULL,
    root_hash BLOB NOT NULL,
    first_cosigned_at INTEGER NOT NULL,
    PRIMARY KEY (origin, size)
);
CREATE TABLE IF NOT EXISTS refused (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    request BLOB NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS latest_never_goes_back BEFORE UPDATE ON latest
WHEN NEW.size < OLD.size OR (NEW.size = OLD.size AND NEW.root_hash != OLD.root_hash)
BEGIN SELECT RAISE(ABORT, 'a witness never goes backwards or forks'); END;
CREATE TRIGGER IF NOT EXISTS cosigned_one_root_per_size BEFORE INSERT ON cosigned
WHEN EXISTS (SELECT 1 FROM cosigned WHERE origin = NEW.origin AND size = NEW.size AND root_hash != NEW.root_hash)
BEGIN SELECT RAISE(ABORT, 'a witness never cosigns two roots for one size'); END;
CREATE TRIGGER IF NOT EXISTS cosigned_is_history BEFORE UPDATE ON cosigned
BEGIN SELECT RAISE(ABORT, 'cosigned checkpoints are history'); END;
CREATE TRIGGER IF NOT EXISTS cosigned_is_kept BEFORE DELETE ON cosigned
BEGIN SELECT RAISE(ABORT, 'cosigned checkpoints are history'); END;
"""


class WitnessState:
    """The state file, opened once per process; requests are serialised by a lock and by SQLite."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def latest(self, origin: str) -> Witnessed | None:
        row = self._conn.execute("SELECT size, root_hash FROM latest WHERE origin = ?", (origin,)).fetchone()
        return None if row is None else Witnessed(int(row[0]), bytes(row[1]))

    def cosigned_sizes(self, origin: str) -> dict[int, bytes]:
        """Every size this witness ever cosigned for `origin`, with its root (for audits and tests)."""
        rows = self._conn.execute("SELECT size, root_hash FROM cosigned WHERE origin = ?", (origin,))
        return {int(size): bytes(root) for size, root in rows}

    def refused(self, origin: str) -> list[tuple[int, str, bytes]]:
        """The signed requests refused as forks or bad proofs: (status, reason, request body)."""
        rows = self._conn.execute("SELECT status, reason, request FROM refused WHERE origin = ? ORDER BY id", (origin,))
        return [(int(status), str(reason), bytes(request)) for status, reason, request in rows]

    def transact(self, decide: Decision, clock: int, request: bytes = b"") -> Answer:
        """Run `decide(latest, time)` against the stored state and record its outcome, atomically and
        durably; `time` is the clock, or the last cosignature's time if the clock went back."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                (last,) = self._conn.execute("SELECT coalesce(max(cosigned_at), 0) FROM latest").fetchone()
                now = max(clock, int(last))
                answer = decide(self.latest, now)
                if answer.cosigned is not None and answer.origin is not None:
                    self._record(answer.origin, answer.cosigned, now)
                elif answer.evidence and answer.origin is not None:
                    self._conn.execute(
                        "INSERT INTO refused (origin, status, reason, request, received_at) VALUES (?, ?, ?, ?, ?)",
                        (answer.origin, answer.status, answer.body.strip(), request, now),
                    )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return answer

    def _record(self, origin: str, cosigned: Witnessed, now: int) -> None:
        self._conn.execute(
            "INSERT INTO latest (origin, size, root_hash, cosigned_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root_hash = excluded.root_hash, "
            "cosigned_at = excluded.cosigned_at",
            (origin, cosigned.size, cosigned.root_hash, now),
        )
        self._conn.execute(
            "INSERT INTO cosigned (origin, size, root_hash, first_cosigned_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (origin, size) DO NOTHING",
            (origin, cosigned.size, cosigned.root_hash, now),
        )
