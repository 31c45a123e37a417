"""Verify a license's withdrawal feed offline: no database, no network (`coop withdrawals verify`).

The feed (GET /api/licenses/{id}/withdrawals) carries, beside its notices, every log entry they
rest on with an inclusion proof against one checkpoint. A buyer who trusts the co-op's key learns:
  1. the checkpoint is signed by that key, and every entry is in the tree it commits to;
  2. the license entry is the co-op's `license.granted` for this license;
  3. each notice is exactly a co-op-signed `license.withdrawal` entry for this license, numbered
     after+1, after+2, … with no gap (so a notice cannot be silently left out of a page);
  4. each notice's revocation is a `consent.revocation` of that same item (entry and content hash),
     signed by the key that signed the contribution the co-op accepted at `contribution_entry` —
     the author, and nobody else — and was logged after the license.
What it cannot learn offline is that the feed is complete beyond its last notice: polling again
(`after=N`) and comparing the log's later checkpoints (it only grows) covers that.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from provenance.core import merkle
from provenance.core.entry import ParsedEntry, verify_leaf
from provenance.core.merkle import ProofError
from provenance.core.note import NoteError, NoteVerifier, verify_checkpoint
from provenance.core.signing import InvalidStatement

FORMAT = "coop-ledger-withdrawals/v1"
FIELDS = {"format", "license", "license_entry", "after", "notices", "verifier_key", "checkpoint", "entries"}
NOTICE = ("sequence", "revocation_entry", "contribution_entry", "content_sha256", "noticed_at")


class WithdrawalsInvalid(Exception):
    """The feed does not verify; the message names the notice or entry and the reason."""


@dataclass
class WithdrawalReport:
    key: str
    license: str
    license_entry: int
    checkpoint_size: int
    notices: list[str] = field(default_factory=list)  # one line per verified notice


def verify_withdrawals(data: bytes, trusted_key: str | None = None) -> WithdrawalReport:
    try:
        feed = json.loads(data)
        key = NoteVerifier.parse(trusted_key or feed["verifier_key"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, NoteError) as error:
        raise WithdrawalsInvalid(f"not a readable withdrawal feed: {error}") from error
    if not isinstance(feed, dict) or feed.get("format") != FORMAT or not set(feed) >= FIELDS:
        raise WithdrawalsInvalid(f"not a {FORMAT} feed")
    if trusted_key is not None and feed["verifier_key"] != trusted_key:
        raise WithdrawalsInvalid("the feed names a different co-op key than the one you trust")
    try:
        checkpoint = verify_checkpoint(feed["checkpoint"], key)
    except (NoteError, TypeError) as error:
        raise WithdrawalsInvalid(f"checkpoint: {error}") from error
    entries = _entries(feed["entries"], checkpoint.size, checkpoint.root_hash)
    coop_key = key.public_key
    license = _entry(entries, feed["license_entry"], "license.granted", "the license")
    if license.public_key != coop_key or license.body["license"] != feed["license"]:
        raise WithdrawalsInvalid(f"entry {feed['license_entry']} is not the co-op's grant of license {feed['license']}")
    report = WithdrawalReport(key.encode(), feed["license"], feed["license_entry"], checkpoint.size)
    if not isinstance(feed["notices"], list) or type(feed["after"]) is not int:
        raise WithdrawalsInvalid("the feed's notices are not a list after a sequence number")
    for expected, notice in enumerate(feed["notices"], start=feed["after"] + 1):
        report.notices.append(_notice(notice, expected, feed, entries, coop_key))
    return report


def _notice(notice: Any, expected: int, feed: dict[str, Any], entries: dict[int, ParsedEntry], coop_key: bytes) -> str:
    if not isinstance(notice, dict) or not {"index", *NOTICE} <= set(notice):
        raise WithdrawalsInvalid(f"notice {expected} is not a notice")
    where = f"notice {notice['sequence']} (entry {notice['index']})"
    if notice["sequence"] != expected:
        raise WithdrawalsInvalid(f"{where}: expected sequence {expected}; a notice is missing or out of order")
    logged = _entry(entries, notice["index"], "license.withdrawal", where)
    if logged.public_key != coop_key:
        raise WithdrawalsInvalid(f"{where} is not signed by the co-op key")
    stated = {"license": feed["license"], "license_entry": feed["license_entry"], **{k: notice[k] for k in NOTICE}}
    if logged.body != stated:
        raise WithdrawalsInvalid(f"{where}: the feed's notice differs from the signed, logged one")
    revocation = _entry(entries, notice["revocation_entry"], "consent.revocation", f"{where}: its revocation")
    accepted = _entry(entries, notice["contribution_entry"], "contribution.accepted", f"{where}: its contribution")
    if accepted.public_key != coop_key:
        raise WithdrawalsInvalid(f"{where}: the acceptance is not signed by the co-op key")
    author = accepted.body["statement"]
    if (
        revocation.body.get("contribution_entry") != notice["contribution_entry"]
        or revocation.body.get("content_sha256") != notice["content_sha256"]
        or author["body"]["content_sha256"] != notice["content_sha256"]
    ):
        raise WithdrawalsInvalid(f"{where}: the revocation does not name this item")
    if revocation.public_key != _b64(author["key"], "author key"):
        raise WithdrawalsInvalid(f"{where}: the revocation is not signed by the item's author")
    if notice["revocation_entry"] <= feed["license_entry"]:
        raise WithdrawalsInvalid(f"{where}: the revocation precedes the license, which could not include the item")
    return (
        f"notice {notice['sequence']}: item {notice['contribution_entry']} (sha256 {notice['content_sha256'][:16]}…) "
        f"— consent revoked by its author at entry {notice['revocation_entry']}, after the license"
    )


def _entries(raw: Any, size: int, root_hash: bytes) -> dict[int, ParsedEntry]:
    if not isinstance(raw, list):
        raise WithdrawalsInvalid("the feed's entries are not a list")
    found: dict[int, ParsedEntry] = {}
    for item in raw:
        index = item.get("index") if isinstance(item, dict) else None
        if type(index) is not int or index in found:
            raise WithdrawalsInvalid(f"entry index {index!r} is invalid or repeated")
        leaf = _b64(item["leaf"], f"entry {index}")
        try:
            proof = [_b64(h, f"entry {index} proof") for h in item["proof"]]
            merkle.verify_inclusion(merkle.leaf_hash(leaf), index, size, proof, root_hash)
        except (ProofError, TypeError, KeyError) as error:
            raise WithdrawalsInvalid(f"entry {index} is not in the checkpointed log: {error}") from error
        try:
            found[index] = verify_leaf(leaf)
        except InvalidStatement as error:
            raise WithdrawalsInvalid(f"entry {index}: {error}") from error
    return found


def _entry(entries: dict[int, ParsedEntry], index: Any, kind: str, what: str) -> ParsedEntry:
    entry = entries.get(index) if type(index) is int else None
    if entry is None or entry.kind != kind:
        raise WithdrawalsInvalid(f"the feed lacks {what} (entry {index}, {kind})")
    return entry


def _b64(text: Any, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as error:
        raise WithdrawalsInvalid(f"{what} is not base64") from error
