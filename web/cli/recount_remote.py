"""`coop governance recount P --from URL`: recount a vote from a co-op's public log over HTTP,
with no database and no account — what "anyone recounts" means in practice.

It reads the log's verifier key (`/log/key`, or one pinned with `--log-key`), the signed checkpoint,
and every entry up to it (`/log/entries/{i}`); it refuses unless the entries hash to the checkpoint's
root (RFC 6962), so the count is over the very log the co-op signed. The eligible list comes from
`/api/proposals/P/eligible` (or a file) and is checked against the root the proposal logged.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable

from governance.recount import Recount, RecountError, recount
from provenance.core import merkle
from provenance.core.note import NoteError, NoteVerifier, verify_checkpoint

Fetch = Callable[[str], bytes]  # a path under the co-op's URL → the response body (raises on an error status)


def http_fetch(base_url: str) -> Fetch:
    base = base_url.rstrip("/")

    def fetch(path: str) -> bytes:
        with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 - a URL the user gave
            body: bytes = response.read()
            return body

    return fetch


def replay(fetch: Fetch, proposal_id: str, eligible: list[str] | None = None, log_key: str | None = None) -> Recount:
    try:
        verifier = NoteVerifier.parse(log_key or fetch("/log/key").decode("utf-8"))
        checkpoint = verify_checkpoint(fetch("/log/checkpoint").decode("utf-8"), verifier)
    except (NoteError, UnicodeDecodeError) as error:
        raise RecountError(f"the log's checkpoint does not verify: {error}") from error
    leaves = [fetch(f"/log/entries/{index}") for index in range(checkpoint.size)]
    if merkle.root(checkpoint.size, merkle.memory_reader(merkle.leaf_hashes(leaves))) != checkpoint.root_hash:
        raise RecountError("the entries served do not hash to the signed checkpoint's root")
    if eligible is None:
        eligible = json.loads(fetch(f"/api/proposals/{proposal_id}/eligible"))["eligible"]
    return recount(enumerate(leaves), proposal_id, verifier.public_key, eligible)
