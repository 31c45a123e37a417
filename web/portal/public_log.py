"""The public log page: the latest checkpoint, and any entry with its inclusion proof, checked
server-side against the published key (the same check any outside client makes)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from provenance.core import merkle
from provenance.core.merkle import ProofError
from provenance.core.note import NoteError, verify_checkpoint
from provenance.core.signing import b64
from provenance.service import NotFound, ProvenanceLog
from web.portal.common import Req, is_htmx, page


class PublicLogPages(Controller):
    path = "/public-log"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def overview(
        self, request: Req, log: NamedDependency[ProvenanceLog], index: FromQuery[str | None] = None
    ) -> Template:
        context: dict[str, Any] = {
            "checkpoint": log.latest_checkpoint(),
            "verifier_key": log.verifier_key,
            "index": index,
        }
        if index is not None:
            context.update(self._entry(log, index))
        return page(request, "public_log.html", **context)

    @get("/entry", sync_to_thread=True)
    def entry(self, request: Req, log: NamedDependency[ProvenanceLog], index: FromQuery[str] = "") -> Template:
        context = self._entry(log, index)
        if is_htmx(request):
            return page(
                request, "partials/log_entry.html", status_code=400 if context.get("entry_error") else 200, **context
            )
        return page(
            request,
            "public_log.html",
            checkpoint=log.latest_checkpoint(),
            verifier_key=log.verifier_key,
            index=index,
            **context,
        )

    @staticmethod
    def _entry(log: ProvenanceLog, index_text: str) -> dict[str, Any]:
        if not (index_text.isascii() and index_text.isdigit() and len(index_text) <= 18):
            return {"entry": True, "entry_error": f"'{index_text[:40]}' is not an entry number: use 0, 1, 2, …"}
        index = int(index_text)
        checkpoint = log.latest_checkpoint()
        try:
            if checkpoint is None:
                raise NotFound("the log is empty")
            leaf = log.entry(index)
            leaf_hash, proof = log.inclusion_proof(index, checkpoint.size)
        except (NotFound, ProofError) as error:
            return {"entry": True, "entry_error": str(error)}
        try:
            signed = verify_checkpoint(checkpoint.note, log.signer.verifier, log.origin)
            merkle.verify_inclusion(merkle.leaf_hash(leaf), index, signed.size, proof, signed.root_hash)
            verdict = f"✔ included in the tree of size {signed.size} signed by the co-op key"
        except (NoteError, ProofError) as error:
            verdict = f"✘ does not verify: {error}"
        parsed = json.loads(leaf)
        return {
            "entry": {
                "index": index,
                "kind": parsed.get("kind"),
                "pretty": json.dumps(parsed, indent=2, ensure_ascii=False),
                "leaf_hash": b64(leaf_hash),
                "tree_size": checkpoint.size,
                "root": b64(checkpoint.root_hash),
                "proof": [b64(h) for h in proof],
                "verdict": verdict,
            }
        }
