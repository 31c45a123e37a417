"""A receipt checked as an outsider would (provenance.receipts), which the portal's Verify link shows."""

import dataclasses

import nacl.signing
import pytest

from provenance.core.note import NoteSigner
from provenance.core.signing import sign_statement
from provenance.receipts import ReceiptDoesNotVerify, verify_receipt
from provenance.service import ProvenanceLog
from tests.conftest import ORIGIN


def append(log, key, n):
    return log.append(sign_statement(key, "test.entry", {"n": n}))


def test_a_receipt_verifies_against_the_latest_checkpoint_after_the_log_grew(log, member_key):
    receipt = log.receipt(append(log, member_key, 0))
    for n in range(1, 5):
        append(log, member_key, n)
    assert verify_receipt(log, receipt) == 5


def test_a_receipt_whose_checkpoint_the_log_does_not_extend_fails(log, member_key):
    append(log, member_key, 0)
    receipt = log.receipt(append(log, member_key, 1))
    append(log, member_key, 2)
    forked = dataclasses.replace(receipt, checkpoint=dataclasses.replace(receipt.checkpoint, root_hash=bytes(32)))
    with pytest.raises(ReceiptDoesNotVerify):
        verify_receipt(log, forked)


def test_a_checkpoint_checked_with_another_key_does_not_verify(engine, log, member_key):
    receipt = log.receipt(append(log, member_key, 0))
    impostor = ProvenanceLog(engine, NoteSigner(ORIGIN, nacl.signing.SigningKey.generate()), ORIGIN)
    with pytest.raises(ReceiptDoesNotVerify, match="not signed by the co-op key"):
        verify_receipt(impostor, receipt)
