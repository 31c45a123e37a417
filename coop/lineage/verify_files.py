"""Check a license's delivered files offline: against the manifest the co-op signed and logged.

Two steps, neither needing the database or the network:
  1. `signed_files`: the bundle's `license.files` entry (its co-op signature and inclusion proof are
     checked with every other entry, coop.lineage.verify) is the manifest of THIS license — its
     `license` and `license_entry` are the bundle's license, its record count the license's included
     count — and lists plain file names, each with a size and a SHA-256;
  2. `check_files`: each listed file in the buyer's directory is read in chunks (a 100,000-judgment
     Parquet file is not loaded whole) and its size and SHA-256 compared with the manifest's. Every
     problem is named — a missing file, a file whose bytes differ — not just the first, so a buyer
     knows at once which download to fetch again.

Files in the directory that the manifest does not list are ignored: the buyer may keep the bundle,
the report or notes beside the data.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance.core.entry import ParsedEntry

MANIFEST_KIND = "license.files"
_CHUNK = 1 << 20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")  # a plain file name: no path, no "..", no hidden file


class FilesInvalid(Exception):
    """The manifest is not this license's, or the files differ from it; the message names each one."""


@dataclass(frozen=True)
class SignedFile:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class SignedFiles:
    """The license's files as the logged manifest states them, and where the manifest is in the log."""

    entry: int
    records: int
    files: list[SignedFile]


def signed_files(entries: dict[int, ParsedEntry], subject: dict[str, Any], license: dict[str, Any]) -> SignedFiles:
    """The manifest at `subject["files_entry"]`, checked to be the license's (see the module's step 1)."""
    index = subject.get("files_entry")
    entry = entries.get(index) if type(index) is int else None
    if entry is None or entry.kind != MANIFEST_KIND:
        raise FilesInvalid(f"the bundle lacks the license's files manifest (entry {index!r}, {MANIFEST_KIND})")
    body = entry.body
    if body.get("license") != license["license"] or body.get("license_entry") != subject["license_entry"]:
        raise FilesInvalid(
            f"the files manifest (entry {index}) is for license {body.get('license')!r} "
            f"(entry {body.get('license_entry')!r}), not this one ({license['license']}, "
            f"entry {subject['license_entry']})"
        )
    if body.get("records") != license["included_count"]:
        raise FilesInvalid(
            f"the files manifest (entry {index}) states {body.get('records')!r} records; "
            f"the license includes {license['included_count']} judgments"
        )
    files = body.get("files")
    if not isinstance(files, list) or not files:
        raise FilesInvalid(f"the files manifest (entry {index}) lists no files")
    found: list[SignedFile] = []
    for position, item in enumerate(files):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("name"), str)
            or not _NAME.match(item["name"])
            or not isinstance(item.get("sha256"), str)
            or not _SHA256.match(item["sha256"])
            or type(item.get("size")) is not int
            or item["size"] < 0
        ):
            raise FilesInvalid(f"file {position} of the manifest (entry {index}) is not a plain name, size and SHA-256")
        found.append(SignedFile(item["name"], item["sha256"], item["size"]))
    if len({f.name for f in found}) != len(found):
        raise FilesInvalid(f"the files manifest (entry {index}) names a file twice")
    assert isinstance(index, int)  # checked above: the entry at it exists
    return SignedFiles(index, body["records"], found)


def check_files(signed: SignedFiles, directory: Path) -> list[SignedFile]:
    """The files, when each one in `directory` has the size and SHA-256 the manifest signs; else
    FilesInvalid naming every file that is missing or differs."""
    problems = []
    for expected in signed.files:
        path = directory / expected.name
        try:
            digest, size = _hash(path)
        except FileNotFoundError:
            problems.append(f"{expected.name}: missing from {directory}")
            continue
        except OSError as error:
            problems.append(f"{expected.name}: cannot be read: {error.strerror}")
            continue
        if digest != expected.sha256 or size != expected.size:
            problems.append(
                f"{expected.name}: SHA-256 {digest} ({size} bytes), but the signed manifest "
                f"(entry {signed.entry}) states {expected.sha256} ({expected.size} bytes)"
            )
    if problems:
        raise FilesInvalid("; ".join(problems))
    return signed.files


def _hash(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while piece := handle.read(_CHUNK):
            digest.update(piece)
            size += len(piece)
    return digest.hexdigest(), size
