"""Delivery: the licensee's organisation downloads the licensed dataset, and can prove what it got.

When a license is granted, both files are written once through a SHA-256 — streamed, nothing kept —
from the license's planned items, BEFORE its transaction appends to the log (`files_digest`; see
`DatasetService.license`): the log's head stays locked only for the appends themselves, not for the
seconds hashing takes. Their names, sizes and hashes are then signed and logged as a `license.files`
statement in the grant's own transaction, right after the `license.granted` entry
(`publish_license_files`): the license and its manifest commit together or not at all.

A download writes the same bytes again (`delivery_files` says why they are the same) and streams
them; the list of files is read back from that logged statement, so what the buyer is told is
exactly what the log holds. Should the bytes ever differ from the signed hash anyway, the download
is logged as an error (the status line is already sent; the buyer's own check then fails loudly).

Only the licensee's organisation may download: anyone else signed in gets a 403 (stewards
included — the co-op holds the content already; delivery is the buyer's), an unknown license a 404.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.datasets.delivery_files import (
    FORMAT,
    JSONL,
    MEDIA_TYPES,
    PARQUET,
    ROW_GROUP_ROWS,
    check_writer,
    jsonl_bytes,
    parquet_bytes,
    parquet_created_by,
)
from coop.datasets.delivery_records import judgment_chunks, planned_chunks
from coop.datasets.models import License
from coop.kernel.errors import NotAllowed, NotFound
from coop.kernel.principal import Principal
from provenance.core.entry import parse_leaf
from provenance.models import LogEntry
from provenance.service import ProvenanceLog

MANIFEST_KIND = "license.files"
JSONL_READ_ROWS = 512
_MANIFEST_SEARCH = 64  # entries after the license's own in which its manifest is looked for


@dataclass(frozen=True)
class DeliveredFile:
    name: str
    media_type: str
    sha256: str
    size: int


@dataclass(frozen=True)
class LicenseFiles:
    """A license's logged manifest: its files, where it is in the log, and how the files were written."""

    license_id: str
    log_index: int
    records: int
    row_group_rows: int
    parquet_writer: str
    files: list[DeliveredFile]
    body: dict[str, Any]

    def file(self, name: str) -> DeliveredFile:
        for delivered in self.files:
            if delivered.name == name:
                return delivered
        raise NotFound(f"license {self.license_id} has no file {name!r}; it has {', '.join(self.names)}")

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.files]


@dataclass(frozen=True)
class FilesDigest:
    """What a license's files hash to, made before the license is logged (`files_digest`)."""

    records: int
    files: list[DeliveredFile]


def files_digest(session: Session, items: Sequence[tuple[int, str]]) -> FilesDigest:
    """Write both files of a license of these (entry, contribution id) items through SHA-256.

    Called before the grant's transaction takes the log's lock (the seconds this takes at 100,000
    judgments must not make every other append wait): the records depend only on the planned items
    and insert-only rows already committed, so a download writes the same bytes later."""
    jsonl, parquet = hashlib.sha256(), hashlib.sha256()
    sizes = {JSONL: 0, PARQUET: 0}
    records = 0

    def counted() -> Iterator[list[dict[str, Any]]]:
        nonlocal records
        for chunk in planned_chunks(session, items, ROW_GROUP_ROWS):
            records += len(chunk)
            for piece in jsonl_bytes([chunk]):
                jsonl.update(piece)
                sizes[JSONL] += len(piece)
            yield chunk

    for piece in parquet_bytes(counted()):
        parquet.update(piece)
        sizes[PARQUET] += len(piece)
    return FilesDigest(
        records,
        [
            DeliveredFile(name, MEDIA_TYPES[name], digest.hexdigest(), sizes[name])
            for name, digest in ((JSONL, jsonl), (PARQUET, parquet))
        ],
    )


def publish_license_files(
    session: Session, log: ProvenanceLog, license: License, digest: FilesDigest, now: datetime
) -> int:
    """Log the manifest of a just-granted license's files (hashed before: `files_digest`); the index."""
    body = {
        "license": license.id,
        "license_entry": license.log_index,
        "records": digest.records,
        "format": FORMAT,
        "row_group_rows": ROW_GROUP_ROWS,
        "parquet_writer": parquet_created_by(),
        "files": [
            {"name": f.name, "media_type": f.media_type, "sha256": f.sha256, "size": f.size} for f in digest.files
        ],
        "made_at": now.isoformat(),
    }
    return log.append_coop_statement(session.connection(), MANIFEST_KIND, body)


def manifest_of(session: Session, license: License) -> LicenseFiles:
    """The license's logged `license.files` statement (logged in the grant's transaction, after it)."""
    leaves = session.execute(
        select(LogEntry.idx, LogEntry.leaf)
        .where(LogEntry.idx > license.log_index, LogEntry.idx <= license.log_index + _MANIFEST_SEARCH)
        .order_by(LogEntry.idx)
    )
    for index, leaf in leaves:
        entry = parse_leaf(bytes(leaf))
        if entry.kind == MANIFEST_KIND and entry.body["license"] == license.id:
            body = entry.body
            return LicenseFiles(
                license.id,
                index,
                body["records"],
                body["row_group_rows"],
                body["parquet_writer"],
                [DeliveredFile(f["name"], f["media_type"], f["sha256"], f["size"]) for f in body["files"]],
                body,
            )
    raise LookupError(f"license {license.id} has no logged files manifest")  # granted before delivery: a bug


class DeliveryService:
    def __init__(self, engine: Engine):
        self.engine = engine

    def files(self, viewer: Principal, license_id: str) -> LicenseFiles:
        with Session(self.engine) as session:
            return manifest_of(session, self._licensee_only(session, viewer, license_id))

    def stream(self, viewer: Principal, license_id: str, name: str) -> tuple[DeliveredFile, Iterator[bytes]]:
        """The file's manifest line and its bytes, as an iterator that reads the database as it goes.
        Access and the file's name are checked here, before anything is streamed."""
        manifest = self.files(viewer, license_id)
        delivered = manifest.file(name)
        if name == PARQUET:
            check_writer(manifest.parquet_writer)  # refused now, not mid-stream
        return delivered, self._checked(delivered, self._bytes(manifest, name))

    def _bytes(self, manifest: LicenseFiles, name: str) -> Iterator[bytes]:
        """Parquet is read a row group at a time (its bytes depend on it); JSON Lines, whose bytes do
        not, in smaller chunks: each piece is made in whichever worker thread the server hands the
        next step to, and every thread's malloc arena keeps its largest piece, so small pieces keep
        the server's memory flat however long the file."""
        with Session(self.engine) as session:
            if name == JSONL:
                yield from jsonl_bytes(judgment_chunks(session, manifest.license_id, JSONL_READ_ROWS))
            else:
                yield from parquet_bytes(judgment_chunks(session, manifest.license_id, manifest.row_group_rows))

    @staticmethod
    def _checked(delivered: DeliveredFile, pieces: Iterator[bytes]) -> Iterator[bytes]:
        digest, size = hashlib.sha256(), 0
        for piece in pieces:
            digest.update(piece)
            size += len(piece)
            yield piece
        if digest.hexdigest() != delivered.sha256 or size != delivered.size:
            logging.getLogger("coop.delivery").error(
                "served %s of size %d with SHA-256 %s; the manifest signed size %d, SHA-256 %s",
                delivered.name,
                size,
                digest.hexdigest(),
                delivered.size,
                delivered.sha256,
            )

    @staticmethod
    def _licensee_only(session: Session, viewer: Principal, license_id: str) -> License:
        row = session.get(License, license_id)
        if row is None:
            raise NotFound(f"no license {license_id}")
        if viewer.org_id is None or row.buyer_org_id != viewer.org_id:
            raise NotAllowed("you have no license to these files: only the licensee's organisation downloads them")
        return row
