"""The provenance log as the rest of the service uses it: append statements, read proofs and tiles.

Reads serve only what a signed checkpoint covers, so every proof a client gets can be checked
against a checkpoint it can fetch. Tiles are immutable once written (a tile of width w never
changes), so folded tiles are cached across requests.
"""

from __future__ import annotations

import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from provenance import store
from provenance.core import merkle
from provenance.core.entry import statement_leaf
from provenance.core.merkle import ProofError
from provenance.core.note import NoteSigner
from provenance.core.signing import SignedStatement, sign_statement
from provenance.core.tiles import TILE_WIDTH, FoldKey, Folds, TileNodeReader, TilePathError, tile_width
from provenance.writer import LogWriter


class NotFound(LookupError):
    """The requested entry, checkpoint or tile does not exist (yet)."""


@dataclass(frozen=True)
class InclusionReceipt:
    """What an appender keeps: its index, the checkpoint covering it and the audit path to it."""

    index: int
    leaf_hash: bytes
    checkpoint: store.StoredCheckpoint
    proof: list[bytes]


class _FoldCache:
    """A small LRU of folded tiles, shared by all readers of one log (thread-safe enough: worst case a
    tile is folded twice)."""

    def __init__(self, capacity: int = 2048):
        self.capacity = capacity
        self._lock = threading.Lock()
        self._folds: OrderedDict[FoldKey, Folds] = OrderedDict()

    def get(self, key: FoldKey, /) -> Folds | None:
        with self._lock:
            value = self._folds.get(key)
            if value is not None:
                self._folds.move_to_end(key)
            return value

    def __setitem__(self, key: FoldKey, value: Folds, /) -> None:
        with self._lock:
            self._folds[key] = value
            if len(self._folds) > self.capacity:
                self._folds.popitem(last=False)


StatementCheck = Callable[[str, Mapping[str, Any]], None]


class ProvenanceLog:
    """`check` is the schema every service statement must match (`coop.statements.check_statement`);
    a log built without one serves reads and raw appends but refuses the services' appends."""

    def __init__(self, engine: Engine, signer: NoteSigner, origin: str, check: StatementCheck | None = None):
        self.engine = engine
        self.signer = signer
        self.origin = origin
        self.check = check
        self.writer = LogWriter(engine, signer, origin)
        self._folds = _FoldCache()

    @property
    def verifier_key(self) -> str:
        return self.signer.verifier.encode()

    @property
    def public_key(self) -> bytes:
        """The co-op's Ed25519 public key: the `key` of every statement the co-op itself signs."""
        return bytes(self.signer.signing_key.verify_key)

    # -- appending -------------------------------------------------------------------------

    def append(self, statement: SignedStatement) -> int:
        """Verify and append one signed statement; return its index once a checkpoint covers it."""
        return self.append_many([statement])[0]

    def append_many(self, statements: Sequence[SignedStatement]) -> list[int]:
        """Verify every statement first (a bad one fails the whole call, nothing is written)."""
        return self.writer.append([statement_leaf(s) for s in statements])

    def append_in_transaction(self, conn: Connection, statements: Sequence[SignedStatement]) -> list[int]:
        """Append within the caller's open write transaction (see LogWriter.append_in_transaction).
        This is how every service appends, so every statement is checked against its schema here."""
        if self.check is None:
            raise RuntimeError("this log has no statement schemas: build it with check=coop.statements.check_statement")
        for statement in statements:
            self.check(statement.kind, statement.body)
        return self.writer.append_in_transaction(conn, [statement_leaf(s) for s in statements])

    def append_coop_statement(self, conn: Connection, kind: str, body: Mapping[str, Any]) -> int:
        """The co-op signs `body` as a statement of `kind` and appends it in the caller's open write
        transaction, so the record and the change it records commit together (or neither does).
        Every statement the co-op itself makes enters the log here."""
        return self.append_in_transaction(conn, [sign_statement(self.signer.signing_key, kind, body)])[0]

    def wait_for_checkpoint(self, index: int, timeout: float = 10.0) -> store.StoredCheckpoint:
        """The latest checkpoint once it covers `index` (another process may still be writing it)."""
        deadline = time.monotonic() + timeout
        while True:
            checkpoint = self.latest_checkpoint()
            if checkpoint is not None and checkpoint.size > index:
                return checkpoint
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no checkpoint covers index {index} after {timeout}s")
            time.sleep(0.01)

    def receipt(self, index: int) -> InclusionReceipt:
        checkpoint = self.wait_for_checkpoint(index)
        with self.engine.connect() as conn:
            reader = self._reader(conn, checkpoint.size)
            proof = merkle.inclusion_proof(index, checkpoint.size, reader)
            leaf_digest = reader(0, index)
        return InclusionReceipt(index, leaf_digest, checkpoint, proof)

    # -- reading ---------------------------------------------------------------------------

    def latest_checkpoint(self) -> store.StoredCheckpoint | None:
        with self.engine.connect() as conn:
            return store.latest_checkpoint(conn)

    def size(self) -> int:
        checkpoint = self.latest_checkpoint()
        return 0 if checkpoint is None else checkpoint.size

    def entry(self, index: int) -> bytes:
        with self.engine.connect() as conn:
            size = _published_size(conn)
            if not 0 <= index < size:
                raise NotFound(f"entry {index} does not exist; the log has {size} entries")
            return store.read_leaves(conn, index, index + 1)[0]

    def inclusion_proof(self, index: int, size: int) -> tuple[bytes, list[bytes]]:
        """(leaf hash, audit path) of entry `index` in the tree of `size` entries."""
        with self.engine.connect() as conn:
            _check_size(conn, size)
            if not 0 <= index < size:
                raise ProofError(f"index {index} is out of range for tree size {size}")
            reader = self._reader(conn, size)
            return reader(0, index), merkle.inclusion_proof(index, size, reader)

    def inclusion_proofs(self, indexes: Sequence[int], size: int) -> dict[int, tuple[bytes, list[bytes]]]:
        """Leaves and audit paths of many entries in one tree, read in one go (bundles)."""
        with self.engine.connect() as conn:
            _check_size(conn, size)
            reader = self._reader(conn, size)
            found = {}
            for index in indexes:
                if not 0 <= index < size:
                    raise ProofError(f"index {index} is out of range for tree size {size}")
                found[index] = (
                    store.read_leaves(conn, index, index + 1)[0],
                    merkle.inclusion_proof(index, size, reader),
                )
            return found

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        with self.engine.connect() as conn:
            _check_size(conn, second)
            if first > second:
                raise ProofError(f"from ({first}) is larger than to ({second})")
            return merkle.consistency_proof(first, second, self._reader(conn, second))

    def root(self, size: int) -> bytes:
        with self.engine.connect() as conn:
            _check_size(conn, size)
            return merkle.root(size, self._reader(conn, size))

    def hash_tile(self, level: int, index: int, width: int) -> bytes:
        """The C2SP hash tile: `width` concatenated 32-byte hashes."""
        with self.engine.connect() as conn:
            self._check_tile(conn, level, index, width)
            return b"".join(store.read_tile(conn, level, index, width))

    def entry_bundle(self, index: int, width: int) -> bytes:
        """The C2SP entry bundle: each leaf prefixed by its length as a big-endian uint16."""
        with self.engine.connect() as conn:
            self._check_tile(conn, 0, index, width)
            start = index * TILE_WIDTH
            leaves = store.read_leaves(conn, start, start + width)
        for leaf in leaves:
            if len(leaf) > 0xFFFF:
                raise TilePathError("an entry is too large for an entry bundle")
        return b"".join(struct.pack(">H", len(leaf)) + leaf for leaf in leaves)

    def _check_tile(self, conn: Connection, level: int, index: int, width: int) -> None:
        size = _published_size(conn)
        available = tile_width(size, level, index)
        if available == 0:
            raise NotFound(f"tile {level}/{index} does not exist in a tree of {size} entries")
        if width > available:
            raise NotFound(f"tile {level}/{index} has only {available} hashes so far, not {width}")
        # A narrower request for a tile that has since grown gets that prefix: hashes never change.

    def _reader(self, conn: Connection, size: int) -> TileNodeReader:
        def fetch(level: int, index: int, width: int) -> list[bytes]:
            return store.read_tile(conn, level, index, width)

        return TileNodeReader(size, fetch, self._folds)


def _published_size(conn: Connection) -> int:
    checkpoint = store.latest_checkpoint(conn)
    return 0 if checkpoint is None else checkpoint.size


def _check_size(conn: Connection, size: int) -> None:
    published = _published_size(conn)
    if not 0 <= size <= published:
        raise ProofError(f"tree size {size} is larger than the log ({published} entries)")
