"""`coop restore SRC`: a backup back into an EMPTY data directory and database, never a rolled-back log.

Order of checks, before anything is written: every file's SHA-256 against the manifest; the backup's
key is the one that signed its checkpoint; the target is empty (data directory, key and secret files,
database or PostgreSQL schema); and the log does not go back in time.

A transparency log must never roll back: once a checkpoint of size n is published (served at
/log/checkpoint, kept by a witness, mirrored), a log restored with fewer entries would sign a
different tree of size n on its next appends: a fork, the one thing a log must never show. So the
snapshot's checkpoint is compared with the newest one the operator can find (`--checkpoint FILE`,
`--checkpoint-url URL`), each verified with the co-op key IN THE BACKUP (a checkpoint signed by any
other key says nothing about this log). A newer one refuses the restore, naming the gap, unless
`--allow-rollback`; one of the same size with another root is a different log and is refused always.
Older ones are checked after the restore: the restored tree must have their root at their size.
"""

from __future__ import annotations

import base64
import os
import shutil
import sqlite3
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coop.kernel.db import make_engine
from coop.kernel.keys import KeyFileError, load_signing_key
from coop.kernel.settings import Settings
from coop.operations.backup import (
    KEY_FILE,
    SECRET_FILE,
    SQLITE_FILE,
    BackupError,
    engine_kind,
    read_manifest,
    sqlite_path,
)
from coop.operations.backup_pg import current_schema_is_empty, load_postgresql
from migrations.schema import upgrade
from provenance.core.note import Checkpoint, NoteError, NoteSigner, NoteVerifier, verify_checkpoint
from provenance.service import ProvenanceLog

MAX_CHECKPOINT_BYTES = 64 * 1024


@dataclass(frozen=True)
class Published:
    """A checkpoint found outside the backup, and where it came from (for the messages)."""

    source: str
    checkpoint: Checkpoint


@dataclass(frozen=True)
class RestoreReport:
    size: int
    root_hash: bytes
    schema_revision: str
    compared_with: list[Published]
    rolled_back_by: int  # entries the restored log lacks against the newest published checkpoint


def restore(
    settings: Settings,
    src: Path,
    checkpoint_files: Sequence[str] = (),
    checkpoint_urls: Sequence[str] = (),
    allow_rollback: bool = False,
    warn: Callable[[str], None] = print,
) -> RestoreReport:
    manifest = read_manifest(src)
    log = manifest["log"]
    verifier = _backup_verifier(src, manifest)
    if settings.log_origin != log["origin"]:
        raise BackupError(
            f"the backup's log origin is {log['origin']!r}, this service's is {settings.log_origin!r}: "
            f"set COOP_LOG_ORIGIN={log['origin']} (a new origin would be a different log)"
        )
    kind = engine_kind(settings.database_url)
    if kind != manifest["engine"]:
        raise BackupError(f"this is a {manifest['engine']} backup; COOP_DATABASE_URL is a {kind} database")
    size, root = int(log["size"]), base64.b64decode(log["root_hash"])
    if size:
        snapshot = _verified(log["checkpoint"], verifier, log["origin"], "the backup's own checkpoint")
        if (snapshot.size, snapshot.root_hash) != (size, root):
            raise BackupError("the manifest's log size and root do not match its signed checkpoint")
    published = [_read_file(path, verifier, log["origin"]) for path in checkpoint_files]
    published += [_fetch(url, verifier, log["origin"]) for url in checkpoint_urls]
    gap = _check_no_rollback(size, root, published, allow_rollback, warn)
    _check_target_is_empty(settings, kind)

    engine = make_engine(settings.database_url)
    try:
        if kind == "sqlite":
            _restore_sqlite(src / SQLITE_FILE, sqlite_path(settings.database_url))
        else:
            load_postgresql(engine, src, manifest)
        _restore_private(src / KEY_FILE, settings.key_file)
        _restore_private(src / SECRET_FILE, settings.secret_file)
        upgrade(engine)  # as `coop init` would: a backup from older code gets the newer schema
        restored = ProvenanceLog(engine, NoteSigner(log["origin"], load_signing_key(settings.key_file)), log["origin"])
        _check_restored_tree(restored, size, root, published)
    finally:
        engine.dispose()
    return RestoreReport(size, root, manifest["schema_revision"], published, gap)


def _backup_verifier(src: Path, manifest: dict[str, Any]) -> NoteVerifier:
    try:
        key = load_signing_key(src / KEY_FILE)
    except KeyFileError as error:
        raise BackupError(f"the backup's key file is unusable: {error}") from error
    verifier = NoteSigner(manifest["log"]["origin"], key).verifier
    if verifier.encode() != manifest["log"]["verifier_key"]:
        raise BackupError("the backup's key file is not the key its manifest names")
    return verifier


def _verified(note: str, verifier: NoteVerifier, origin: str, source: str) -> Checkpoint:
    try:
        return verify_checkpoint(note, verifier, origin)
    except NoteError as error:
        raise BackupError(
            f"{source} is not a checkpoint of this log signed by the backup's co-op key: {error}"
        ) from error


def _read_file(path: str, verifier: NoteVerifier, origin: str) -> Published:
    try:
        note = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BackupError(f"cannot read checkpoint file {path}: {error}") from error
    return Published(path, _verified(note, verifier, origin, f"checkpoint file {path}"))


def _fetch(url: str, verifier: NoteVerifier, origin: str) -> Published:
    """Fail closed: a checkpoint the operator asked to compare with must be read, or no restore."""
    try:
        with urllib.request.urlopen(url, timeout=15) as response:  # noqa: S310 - an operator-given URL
            note = response.read(MAX_CHECKPOINT_BYTES + 1)
    except OSError as error:
        raise BackupError(f"cannot fetch the checkpoint at {url}: {error}") from error
    if len(note) > MAX_CHECKPOINT_BYTES:
        raise BackupError(f"{url} returned more than {MAX_CHECKPOINT_BYTES} bytes: not a checkpoint")
    try:
        text = note.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BackupError(f"{url} did not return a UTF-8 checkpoint") from error
    return Published(url, _verified(text, verifier, origin, f"the checkpoint at {url}"))


def _check_no_rollback(
    size: int, root: bytes, published: list[Published], allow: bool, warn: Callable[[str], None]
) -> int:
    for found in published:
        if found.checkpoint.size == size and found.checkpoint.root_hash != root:
            raise BackupError(
                f"{found.source} has {size} entries like the snapshot but another root: "
                "the backup is not of the log that checkpoint comes from"
            )
    newest = max(published, key=lambda p: p.checkpoint.size, default=None)
    if newest is None or newest.checkpoint.size <= size:
        return 0
    gap = newest.checkpoint.size - size
    message = (
        f"snapshot has {size} entries, the newest published checkpoint has {newest.checkpoint.size} "
        f"({newest.source}): restoring would roll the log back by {gap} entries"
    )
    if not allow:
        raise BackupError(
            f"{message}. Refusing: the next append would fork the log. Restore a newer backup, "
            "or pass --allow-rollback if forking the published log is really what the co-op decided"
        )
    banner = "!" * 78
    warn(
        f"{banner}\nWARNING: {message}.\nThe restored log WILL FORK from what was published: every witness and "
        f"auditor holding checkpoint {newest.checkpoint.size} will see two different trees. Tell them.\n{banner}"
    )
    return gap


def _check_target_is_empty(settings: Settings, kind: str) -> None:
    if settings.data_dir.exists() and any(settings.data_dir.iterdir()):
        raise BackupError(f"the data directory {settings.data_dir} is not empty; restore only into an empty one")
    for path, what in ((settings.key_file, "COOP_KEY_FILE"), (settings.secret_file, "COOP_SECRET_FILE")):
        if path.exists():
            raise BackupError(f"{what} {path} already exists; restore only where there is no key yet")
    if kind == "sqlite":
        path = sqlite_path(settings.database_url)
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(f"the database {path} already exists; restore only into an empty one")
        return
    engine = make_engine(settings.database_url)
    try:
        schema, tables = current_schema_is_empty(engine)
    finally:
        engine.dispose()
    if schema is None:
        raise BackupError("the database has no current schema (does the schema in search_path exist?)")
    if tables:
        raise BackupError(
            f"the database schema {schema!r} already holds {tables} tables; restore only into an empty one"
        )


def _restore_sqlite(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    partial.rename(target)


def _restore_private(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)
        out.flush()
        os.fsync(out.fileno())


def _check_restored_tree(log: ProvenanceLog, size: int, root: bytes, published: list[Published]) -> None:
    """The restored database holds the snapshot's tree, and every older published checkpoint is a prefix of it."""
    if log.size() != size or (size and log.root(size) != root):
        raise BackupError(
            f"the restored log does not end at the snapshot's checkpoint of size {size}: do not start the service"
        )
    for found in published:
        if found.checkpoint.size < size and log.root(found.checkpoint.size) != found.checkpoint.root_hash:
            raise BackupError(
                f"restored, but {found.source} (size {found.checkpoint.size}) is not a prefix of this log: "
                "the backup is of another log. Do not start the service"
            )
