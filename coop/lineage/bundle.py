"""Build a verification bundle for a release or a license: every log entry its lineage rests on,
each with an inclusion proof against one checkpoint, the checkpoint and the co-op's verifier key.

The release's items [{entry, content_sha256}] travel beside the entries: the manifest logs only their
count and Merkle root (a 100,000-item list does not fit a log entry), and the verifier recomputes
that root from the bundle's list.

The bundle is itself a C2SP signed note: its text is one line of RFC 8785 JSON, signed by the
co-op key. So a single flipped byte anywhere fails the signature, and everything inside is checked
again on its own terms by `coop.lineage.verify` — with no database and no network.

A license bundle also signs the SHA-256 and size of the license's report (the buyer's paperwork,
coop.lineage.report): the report is deterministic canonical JSON, so it can travel as its own file
beside the bundle, and `coop verify --report` checks a copy against the hash the co-op signed (and
the report states its judgments file's hash: `license_report_judgments`, `--report-judgments`).

A license bundle (v4) also proves the license's files manifest: the `license.files` statement (each
delivered file's name, size and SHA-256, signed by the co-op and logged in the grant's transaction)
is one of its entries, with its inclusion proof, and `subject.files_entry` names it. So the buyer
checks the files they downloaded against hashes the log holds (`coop verify --files DIR`,
coop.lineage.verify_files), not against a list the server merely shows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coop.datasets.delivery import manifest_of
from coop.datasets.models import License
from coop.lineage.gather import ReleaseLineage, release_lineage
from coop.lineage.report import judgment_rows_file, report_bytes
from coop.lineage.report_facts import license_facts
from provenance.core.canonical import canonical_json
from provenance.core.signing import b64
from provenance.service import ProvenanceLog


@runtime_checkable  # the web edge injects one as a dependency, which Litestar checks by isinstance
class LogAndDatabase(Protocol):
    """What a bundle is built from: the database its lineage is read from and the log that proves it
    (the assembled runtime is one)."""

    @property
    def engine(self) -> Engine: ...

    @property
    def log(self) -> ProvenanceLog: ...


FORMAT = "coop-ledger-bundle/v4"  # v4: a license bundle proves its files manifest (`subject.files_entry`)
FORMAT_V3 = "coop-ledger-bundle/v3"  # v3: a license bundle signs its report's SHA-256 (`report`)
FORMAT_V2 = "coop-ledger-bundle/v2"  # v2: the release item list travels in the bundle, not the manifest


def license_report(runtime: LogAndDatabase, release_id: str, license_id: str) -> bytes:
    """The license's report (coop.lineage.report) as its canonical bytes: what the API serves and
    what the license's bundle signs the SHA-256 of."""
    return _report(runtime, release_lineage(runtime.engine, release_id, license_id))


def license_report_judgments(runtime: LogAndDatabase, release_id: str, license_id: str) -> Iterator[bytes]:
    """The report's judgments file (coop.lineage.report_pay): one line per judgment, whose SHA-256 the
    report states. Read before the first line is yielded, so a missing license fails before streaming."""
    lineage = release_lineage(runtime.engine, release_id, license_id)
    return judgment_rows_file(license_facts(runtime.engine, lineage, runtime.log.origin, runtime.log.verifier_key))


def _report(runtime: LogAndDatabase, lineage: ReleaseLineage) -> bytes:
    return report_bytes(license_facts(runtime.engine, lineage, runtime.log.origin, runtime.log.verifier_key))


def build_bundle(runtime: LogAndDatabase, release_id: str, license_id: str | None = None) -> str:
    lineage = release_lineage(runtime.engine, release_id, license_id)
    checkpoint = runtime.log.latest_checkpoint()
    assert checkpoint is not None, "a release is a log entry, so the log has a checkpoint"
    files_entry = _files_entry(runtime.engine, license_id) if license_id is not None else None
    wanted = lineage.entries() + ([files_entry] if files_entry is not None else [])
    proofs = runtime.log.inclusion_proofs(sorted(wanted), checkpoint.size)
    entries = [
        {"index": index, "leaf": b64(leaf), "proof": [b64(h) for h in proof]}
        for index, (leaf, proof) in sorted(proofs.items())
    ]
    body: dict[str, Any] = {
        "format": FORMAT,
        "subject": {
            "release_entry": lineage.release_entry,
            "license_entry": lineage.license_entry,
            "licensed_entries": sorted(lineage.licensed_entries) if license_id else None,
            "files_entry": files_entry,
        },
        "items": lineage.listed(),
        "verifier_key": runtime.log.verifier_key,
        "checkpoint": checkpoint.note,
        "entries": entries,
        "report": None,
    }
    if license_id is not None:  # the report travels beside the bundle; the signature covers its hash
        report = _report(runtime, lineage)
        body["report"] = {"sha256": hashlib.sha256(report).hexdigest(), "size": len(report)}
    return runtime.log.signer.sign(canonical_json(body).decode("utf-8") + "\n")


def _files_entry(engine: Engine, license_id: str) -> int:
    """The log index of the license's `license.files` manifest (logged in the grant's transaction)."""
    with Session(engine) as session:
        license = session.get(License, license_id)
        assert license is not None, "release_lineage has found the license already"
        return manifest_of(session, license).log_index
