"""Verify a bundle offline: signatures, proofs, the manifest root, consent for the declared uses,
pay at or above the floor, the rubric in force. Pure: bytes in, a report or a precise failure out.

What each check means for a buyer:
  1. the bundle is exactly what the co-op signed (one signed note; any changed byte fails);
  2. the checkpoint is signed by the co-op key, and every entry is in the tree it commits to;
  3. every co-op statement is signed by the co-op key and every contribution by its author's key;
  4. the bundle's item list [{entry, content_sha256}] has the count and Merkle root the logged
     manifest states (the manifest commits to the list, which travels beside it), and its items are
     the accepted contributions (and, for a license, the licensed subset has the root the license claims);
  5. each item's consent permits the declared uses and sector under the co-op's consent rules in
     force, was not expired, and was not revoked before the release or license;
  6. each item's task paid at or above the pay floor in force when it opened, and was reviewed under
     the rubric version in force then (the fair-work attestation);
  7. given the license's report (the buyer's paperwork) and its judgments file, that they are the
     ones the bundle signs and agree with the bundle's entries (coop.lineage.verify_report);
  8. for a license (v4 bundles), that the bundle's `license.files` entry — co-op signed, in the
     checkpointed log like every entry — is this license's files manifest; the files themselves are
     then checked against it by coop.lineage.verify_files.check_files (`coop verify --files DIR`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from coop.lineage.bundle import FORMAT, FORMAT_V2, FORMAT_V3
from coop.lineage.verify_files import FilesInvalid, SignedFiles, signed_files
from coop.lineage.verify_report import ReportInvalid, check_report
from coop.rules import consent, pay_floor
from provenance.core import merkle
from provenance.core.commitment import list_root, mismatch
from provenance.core.entry import ParsedEntry, verify_leaf
from provenance.core.merkle import ProofError
from provenance.core.note import NoteError, NoteVerifier, open_note_bytes, verify_checkpoint
from provenance.core.signing import InvalidStatement, SignedStatement, verify_statement

COOP_KINDS = {"release.published", "license.granted", "license.files", "contribution.accepted"}
COOP_KINDS |= {"task.opened", "policy.adopted"}


class BundleInvalid(Exception):
    """The bundle does not verify; the message names the item and the reason."""


@dataclass
class BundleReport:
    key: str
    checkpoint_size: int
    release_entry: int
    license_entry: int | None
    declared_uses: list[str]
    sector: str | None
    items: int
    attestation: list[str] = field(default_factory=list)
    report_signed: bool = False  # the bundle signs a report's SHA-256 (license bundles)
    report_sha256: str | None = None  # set when a report was given and checked
    report_judgments: bool = False  # its judgments file was given and checked too
    files: SignedFiles | None = None  # a v4 license bundle's files manifest, checked to be the license's


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as error:
        raise BundleInvalid(f"{what} is not base64") from error


def verify_bundle(
    data: bytes, trusted_key: str | None = None, report: bytes | None = None, judgments: bytes | None = None
) -> BundleReport:
    # The co-op's signature covers these exact bytes, so nothing is re-encoded to check them:
    # one flipped byte anywhere fails it. (Bundles of 100,000 items are a quarter of a gigabyte.)
    try:
        body = json.loads(data[: data.index(b"\n")])
        key = NoteVerifier.parse(trusted_key or body["verifier_key"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, NoteError) as error:
        raise BundleInvalid(f"not a readable bundle: {error}") from error
    try:
        open_note_bytes(data, key)
    except NoteError as error:
        raise BundleInvalid(f"the bundle is not exactly what the co-op signed: {error}") from error
    keys = {"format", "subject", "items", "verifier_key", "checkpoint", "entries"}
    if not isinstance(body, dict) or not (
        (body.get("format") == FORMAT and set(body) == keys | {"report"} and "files_entry" in (body["subject"] or ()))
        or (body.get("format") == FORMAT_V3 and set(body) == keys | {"report"})
        or (body.get("format") == FORMAT_V2 and set(body) == keys)
    ):
        raise BundleInvalid(f"not a {FORMAT} (or {FORMAT_V3}, {FORMAT_V2}) bundle")
    if trusted_key is not None and body["verifier_key"] != trusted_key:
        raise BundleInvalid("the bundle names a different co-op key than the one you trust")
    try:
        checkpoint = verify_checkpoint(body["checkpoint"], key)
    except NoteError as error:
        raise BundleInvalid(f"checkpoint: {error}") from error
    entries = _entries(body["entries"], checkpoint.size, checkpoint.root_hash, key.public_key)
    found = _check_lineage(body["subject"], _items(body["items"]), entries, key, checkpoint.size)
    found.report_signed = body.get("report") is not None
    if body["format"] == FORMAT and body["subject"]["license_entry"] is not None:
        try:
            found.files = signed_files(entries, body["subject"], entries[body["subject"]["license_entry"]].body)
        except FilesInvalid as error:
            raise BundleInvalid(f"files: {error}") from error
    if report is not None:
        try:
            found.report_sha256 = check_report(
                report, body.get("report"), entries, body["subject"], checkpoint.origin, body["verifier_key"], judgments
            )
            found.report_judgments = judgments is not None
        except ReportInvalid as error:
            raise BundleInvalid(f"report: {error}") from error
    return found


def _items(raw: Any) -> list[dict[str, Any]]:
    """The bundle's item list, each exactly {entry, content_sha256}, in strictly increasing entry order."""
    if not isinstance(raw, list):
        raise BundleInvalid("the bundle's items are not a list")
    previous = -1
    for position, item in enumerate(raw):
        if (
            not isinstance(item, dict)
            or set(item) != {"entry", "content_sha256"}
            or type(item["entry"]) is not int
            or not isinstance(item["content_sha256"], str)
            or len(item["content_sha256"]) != 64
        ):
            raise BundleInvalid(f"item {position} of the bundle's list is not {{entry, content_sha256}}")
        if item["entry"] <= previous:
            raise BundleInvalid(
                f"the bundle's items are not in increasing entry order at item {position} (entry {item['entry']})"
            )
        previous = item["entry"]
    return raw


def _entries(raw: list[dict[str, Any]], size: int, root_hash: bytes, coop_key: bytes) -> dict[int, ParsedEntry]:
    found: dict[int, ParsedEntry] = {}
    for item in raw:
        index = item["index"]
        if not isinstance(index, int) or index in found:
            raise BundleInvalid(f"entry index {index!r} is invalid or repeated")
        leaf = _b64(item["leaf"], f"entry {index}")
        try:
            merkle.verify_inclusion(
                merkle.leaf_hash(leaf), index, size, [_b64(h, f"entry {index} proof") for h in item["proof"]], root_hash
            )
        except ProofError as error:
            raise BundleInvalid(f"entry {index} is not in the checkpointed log: {error}") from error
        try:
            entry = verify_leaf(leaf)
        except InvalidStatement as error:
            raise BundleInvalid(f"entry {index}: {error}") from error
        if entry.kind in COOP_KINDS and entry.public_key != coop_key:
            raise BundleInvalid(f"entry {index} ({entry.kind}) is not signed by the co-op key")
        found[index] = entry
    return found


def _check_lineage(
    subject: dict[str, Any], listed: list[dict[str, Any]], entries: dict[int, ParsedEntry], key: NoteVerifier, size: int
) -> BundleReport:
    release = _entry(entries, subject["release_entry"], "release.published", "the release manifest")
    manifest = release.body
    by_kind: dict[str, list[tuple[int, ParsedEntry]]] = {}
    for index, entry in sorted(entries.items()):
        by_kind.setdefault(entry.kind, []).append((index, entry))
    policies = _policies(by_kind.get("policy.adopted", []))
    tasks = {e.body["task"]: e.body for _, e in by_kind.get("task.opened", [])}
    revoked = {e.body["contribution_entry"]: i for i, e in by_kind.get("consent.revocation", [])}

    why = mismatch(listed, manifest["item_count"], manifest["items_root"], "the bundle's item list")
    if why is not None:
        raise BundleInvalid(f"{why} in the release manifest (entry {subject['release_entry']})")
    subject_index, uses, sector, granted_at, rules_version = (
        subject["release_entry"],
        manifest["intended_uses"],
        None,
        manifest["published_at"],
        manifest["policies"]["consent-rules"],
    )
    included = [x["entry"] for x in listed]
    if subject.get("license_entry") is not None:
        license = _entry(entries, subject["license_entry"], "license.granted", "the license").body
        if license["release_entry"] != subject["release_entry"]:
            raise BundleInvalid("the license is for another release")
        included = list(subject["licensed_entries"])
        if not set(included) <= {x["entry"] for x in listed}:
            raise BundleInvalid("the license includes items that are not in the release")
        subset = [x for x in listed if x["entry"] in set(included)]
        if len(subset) != license["included_count"] or list_root(subset) != license["included_root"]:
            raise BundleInvalid("the licensed items do not have the Merkle root the license states")
        subject_index, uses, sector, granted_at, rules_version = (
            subject["license_entry"],
            license["uses"],
            license["sector"],
            license["granted_at"],
            license["consent_rules"]["version"],
        )
    consent_rules = _policy(policies, "consent-rules", rules_version)
    on = datetime.fromisoformat(granted_at).date()
    report = BundleReport(
        key.encode(), size, subject["release_entry"], subject.get("license_entry"), list(uses), sector, len(included)
    )
    content = {x["entry"]: x["content_sha256"] for x in listed}
    for index in included:
        accepted = _entry(entries, index, "contribution.accepted", f"item {index}").body
        statement = accepted["statement"]
        try:
            verify_statement(
                SignedStatement(
                    statement["kind"],
                    statement["body"],
                    _b64(statement["key"], "author key"),
                    _b64(statement["sig"], "author signature"),
                )
            )
        except InvalidStatement as error:
            raise BundleInvalid(f"item {index}: the author's signature does not verify: {error}") from error
        work = statement["body"]
        if work["content_sha256"] != content[index]:
            raise BundleInvalid(f"item {index}: its content hash differs from the manifest's")
        revocation = revoked.get(index)
        if revocation is not None and entries[revocation].public_key != _b64(statement["key"], "author key"):
            raise BundleInvalid(f"item {index}: a revocation is signed by someone other than its author")
        reasons = consent.refusals(
            work["terms"], consent_rules, uses, sector, on, revocation is not None and revocation < subject_index
        )
        if reasons:
            raise BundleInvalid(
                f"item {index}: consent does not permit this use: {', '.join(consent.REASONS[r] for r in reasons)}"
            )
        report.attestation.append(_fair_work(index, accepted, tasks.get(work["task"]), policies))
    return report


def _fair_work(
    index: int,
    accepted: dict[str, Any],
    task: dict[str, Any] | None,
    policies: dict[str, list[tuple[datetime, int, dict[str, Any]]]],
) -> str:
    if task is None:
        raise BundleInvalid(f"item {index}: the bundle lacks the entry that opened its task")
    opened_at = datetime.fromisoformat(task["time"])
    floor_ref, rubric_ref = task["pay_floor"], task["rubric"]
    for ref, what in ((floor_ref, "pay floor"), (rubric_ref, "rubric")):
        in_force = _in_force(policies, ref["policy"], opened_at)
        if in_force != ref["version"]:
            raise BundleInvalid(
                f"item {index}: its task used {ref['policy']} v{ref['version']} "
                f"but v{in_force} was in force when it opened ({what})"
            )
    floor = int(_policy(policies, "pay-floor", floor_ref["version"])["hourly_minimum"][task["currency"]])
    per_unit = int(accepted["pay"]["per_unit"])
    if per_unit < int(task["pay_per_unit"]):
        raise BundleInvalid(f"item {index}: paid {per_unit} per unit, less than its task's {task['pay_per_unit']}")
    rate = pay_floor.hourly_rate(int(task["pay_per_unit"]), int(task["minutes_per_unit"]))
    if rate < floor:
        raise BundleInvalid(
            f"item {index}: its task paid {rate} per hour, "
            f"below the floor of {floor} (pay-floor v{floor_ref['version']})"
        )
    return (
        f"item {index}: task paid {rate} {task['currency']}/h ≥ floor {floor} (pay-floor v{floor_ref['version']}); "
        f"reviewed under {rubric_ref['policy']} v{rubric_ref['version']}, in force when the task opened"
    )


def _policies(rows: list[tuple[int, ParsedEntry]]) -> dict[str, list[tuple[datetime, int, dict[str, Any]]]]:
    found: dict[str, list[tuple[datetime, int, dict[str, Any]]]] = {}
    for _, entry in rows:
        body = entry.body
        found.setdefault(body["policy"], []).append(
            (datetime.fromisoformat(body["effective_at"]), int(body["version"]), body["body"])
        )
    return found


def _policy(policies: dict[str, list[tuple[datetime, int, dict[str, Any]]]], name: str, version: int) -> dict[str, Any]:
    for _, v, body in policies.get(name, []):
        if v == version:
            return body
    raise BundleInvalid(f"the bundle lacks {name} v{version}")


def _in_force(policies: dict[str, list[tuple[datetime, int, dict[str, Any]]]], name: str, at: datetime) -> int | None:
    effective = [v for when, v, _ in policies.get(name, []) if when <= at]
    return max(effective) if effective else None


def _entry(entries: dict[int, ParsedEntry], index: Any, kind: str, what: str) -> ParsedEntry:
    entry = entries.get(index) if isinstance(index, int) else None
    if entry is None or entry.kind != kind:
        raise BundleInvalid(f"the bundle lacks {what} (entry {index}, {kind})")
    return entry
