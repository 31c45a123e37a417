"""Checking a receipt as an outsider would: against the latest signed checkpoint and the published
key, with a fresh audit path to the entry's leaf, and a consistency proof from the receipt's own
checkpoint to the latest one. Nothing is taken on trust from the database beyond what the proofs
prove, so a member (or the portal on their behalf) learns whether the log still holds their entry
as the co-op promised when it gave the receipt.
"""

from __future__ import annotations

from coop.kernel.errors import Conflict
from provenance.core import merkle
from provenance.core.merkle import ProofError
from provenance.core.note import NoteError, verify_checkpoint
from provenance.service import InclusionReceipt, ProvenanceLog


class ReceiptDoesNotVerify(Conflict):
    """The published log contradicts the receipt (or cannot be checked): the message says how."""


def verify_receipt(log: ProvenanceLog, receipt: InclusionReceipt) -> int:
    """The size of the latest signed checkpoint, once the receipt's entry is proven included in it
    and that checkpoint proven consistent with the receipt's; else ReceiptDoesNotVerify."""
    latest = log.latest_checkpoint()
    if latest is None:
        raise ReceiptDoesNotVerify("the log has no signed checkpoint")
    try:
        checkpoint = verify_checkpoint(latest.note, log.signer.verifier, log.origin)
        _, proof = log.inclusion_proof(receipt.index, checkpoint.size)
        merkle.verify_inclusion(
            merkle.leaf_hash(log.entry(receipt.index)), receipt.index, checkpoint.size, proof, checkpoint.root_hash
        )
        consistency = log.consistency_proof(receipt.checkpoint.size, checkpoint.size)
        merkle.verify_consistency(
            receipt.checkpoint.size, checkpoint.size, receipt.checkpoint.root_hash, checkpoint.root_hash, consistency
        )
    except (NoteError, ProofError) as error:
        raise ReceiptDoesNotVerify(str(error)) from error
    return checkpoint.size
