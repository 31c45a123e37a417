"""`coop backup DEST`: a consistent online snapshot of the database and the co-op's key files.

What a backup directory holds:
  manifest.json      what was taken: engine, schema revision, the log's checkpoint at the snapshot,
                     and the SHA-256 of every other file (written last: no manifest, no backup)
  database.sqlite3   SQLite: a copy made with SQLite's online backup API in one step, i.e. one read
                     transaction, so it is exactly the database as of one commit (WAL writers go on)
  tables/<t>.copy    PostgreSQL: every table as COPY text, all read in ONE read-only REPEATABLE READ
                     transaction, i.e. one snapshot (see coop/backup_pg.py for why not pg_dump)
  log-signing.key    COOP_KEY_FILE (mode 0600): without it no new checkpoint can be signed
  app-secret         COOP_SECRET_FILE (mode 0600)

The checkpoint recorded is read from the snapshot itself, never from the live database, so it is the
log's state at the very moment of the copy. The manifest's hashes catch a damaged or incomplete copy
(restore checks them before anything else); they are not a signature: whoever can change the backup
can change its manifest, so keep backups where only the co-op's operators can write.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from coop.kernel.db import make_engine
from coop.kernel.keys import load_signing_key
from coop.kernel.settings import Settings
from coop.operations.backup_pg import dump_postgresql
from coop.operations.snapshot import EMPTY_ROOT, BackupError, SnapshotLog, private_file
from provenance.core.note import NoteError, NoteSigner, verify_checkpoint

FORMAT = "coop-ledger backup v1"
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
KEY_FILE = "log-signing.key"
SECRET_FILE = "app-secret"


def sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError(f"{url} is not a SQLite database file")
    return Path(path)


def engine_kind(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups of {name} databases are not supported")
    return name


def take_backup(settings: Settings, dest: Path) -> dict[str, Any]:
    """Write a complete backup into `dest` (new or empty) and return its manifest."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists and is not an empty directory; refusing to overwrite a backup")
    signer = NoteSigner(settings.log_origin, load_signing_key(settings.key_file))
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    dest.chmod(0o700)  # the database holds password hashes and sealed member keys: operators only
    kind = engine_kind(settings.database_url)
    if kind == "sqlite":
        revision, log, extra = _snapshot_sqlite(sqlite_path(settings.database_url), dest / SQLITE_FILE)
    else:
        engine = make_engine(settings.database_url)
        try:
            revision, log, extra = dump_postgresql(engine, dest)
        finally:
            engine.dispose()
    if log.size:
        # The key in the backup must be the one that signed the log, or the restored service could
        # never extend it: check now, while the live key file can still be found.
        try:
            verify_checkpoint(log.note, signer.verifier, settings.log_origin)
        except NoteError as error:
            raise BackupError(
                f"the checkpoint in the snapshot does not verify with {settings.key_file}: {error}"
            ) from error
    _copy_private(settings.key_file, dest / KEY_FILE)
    _copy_private(settings.secret_file, dest / SECRET_FILE)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "engine": kind,
        "schema_revision": revision,
        "log": {
            "origin": settings.log_origin,
            "verifier_key": signer.verifier.encode(),
            "size": log.size,
            "root_hash": base64.b64encode(log.root_hash).decode(),
            "checkpoint": log.note,
        },
        **extra,
        "files": {name: file_sha256(dest / name) for name in _data_files(dest)},
    }
    _write_durably(dest / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    return manifest


def _snapshot_sqlite(source: Path, target: Path) -> tuple[str, SnapshotLog, dict[str, Any]]:
    if not source.exists():
        raise BackupError(f"no database at {source}; run `coop init` first")
    private_file(target).close()
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: the whole database in one step, under one read transaction
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        revision, log = read_sqlite_state(dst)
    finally:
        dst.close()
        src.close()
    _fsync(target)
    return revision, log, {}


def read_sqlite_state(conn: sqlite3.Connection) -> tuple[str, SnapshotLog]:
    """The schema revision and the latest checkpoint of a SQLite database."""
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    row = conn.execute("SELECT size, root_hash, note FROM log_checkpoint ORDER BY size DESC LIMIT 1").fetchone()
    log = SnapshotLog(0, EMPTY_ROOT, "") if row is None else SnapshotLog(int(row[0]), bytes(row[1]), row[2])
    return revision, log


def _copy_private(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"{source} does not exist; run `coop init` first")
    with private_file(target) as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)
        out.flush()
        os.fsync(out.fileno())


def _data_files(dest: Path) -> list[str]:
    return sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file() and p.name != MANIFEST)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _write_durably(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.rename(path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_manifest(src: Path) -> dict[str, Any]:
    """The manifest of backup `src`, after checking every file it lists against its SHA-256."""
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise BackupError(f"{src} has no {MANIFEST}: not a backup, or one that did not finish") from error
    except (OSError, ValueError) as error:
        raise BackupError(f"{src / MANIFEST} is unreadable: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{src / MANIFEST} is not a {FORMAT!r} manifest")
    for name, expected in sorted(manifest["files"].items()):
        path = src / name
        if not path.is_file():
            raise BackupError(f"backup file {name} is missing")
        if file_sha256(path) != expected:
            raise BackupError(f"backup file {name} does not match its SHA-256 in the manifest: the backup is damaged")
    for required in (KEY_FILE, SECRET_FILE):
        if required not in manifest["files"]:
            raise BackupError(f"the manifest lists no {required}")
    return manifest
