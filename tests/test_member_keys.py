"""Member signing keys: own and custodial, rotation and revocation, verification as of a time."""

import nacl.signing
import pytest

from coop.kernel.errors import Conflict, NotAllowed, Refused
from coop.membership.keys import REGISTRATION, ROTATION
from provenance.core.signing import b64, sign_statement

CONTRIBUTION = {"task": "t1", "content_sha256": "ab" * 32, "minutes": 12}


def register_own(runtime, member, key):
    return runtime.keys.register_own_key(
        member, sign_statement(key, REGISTRATION, runtime.keys.registration_body(member))
    )


def test_client_side_and_custodial_signatures_both_verify_against_the_registered_keys(runtime, admit):
    bo, cy = admit("bo"), admit("cy")
    own = nacl.signing.SigningKey.generate()
    register_own(runtime, bo, own)
    runtime.keys.create_custodial_key(cy, "cy-password")
    client_signed = sign_statement(own, "contribution", CONTRIBUTION)
    custodial_signed = runtime.keys.sign_as(cy, "cy-password", "contribution", CONTRIBUTION)
    assert runtime.keys.verify_member_statement(client_signed).account_id == bo.account_id
    assert runtime.keys.verify_member_statement(custodial_signed).account_id == cy.account_id


def test_registration_is_a_log_entry_signed_by_the_new_key(runtime, admit):
    bo = admit("bo")
    own = nacl.signing.SigningKey.generate()
    info = register_own(runtime, bo, own)
    assert b64(bytes(own.verify_key)).encode() in runtime.log.entry(info.log_index)


def test_registration_without_proof_of_possession_is_refused(runtime, admit):
    bo = admit("bo")
    someone_else = nacl.signing.SigningKey.generate()
    forged = sign_statement(someone_else, REGISTRATION, {"member": "another-member", "purpose": "x"})
    with pytest.raises(Refused):
        runtime.keys.register_own_key(bo, forged)


def test_the_custodial_key_opens_only_with_the_password(runtime, admit):
    bo = admit("bo")
    with pytest.raises(NotAllowed):
        runtime.keys.create_custodial_key(bo, "not-bo-password")
    runtime.keys.create_custodial_key(bo, "bo-password")
    with pytest.raises(NotAllowed, match="wrong password"):
        runtime.keys.sign_as(bo, "guess-guess", "contribution", CONTRIBUTION)


def test_a_member_has_one_active_key(runtime, admit):
    bo = admit("bo")
    runtime.keys.create_custodial_key(bo, "bo-password")
    with pytest.raises(Conflict, match="rotate"):
        register_own(runtime, bo, nacl.signing.SigningKey.generate())


def test_rotation_is_announced_by_the_old_key_and_old_signatures_still_verify_at_their_time(runtime, admit, clock):
    bo = admit("bo")
    old = nacl.signing.SigningKey.generate()
    old_info = register_own(runtime, bo, old)
    signed_before = sign_statement(old, "contribution", CONTRIBUTION)
    signed_at = clock()
    clock.advance(hours=1)
    new = nacl.signing.SigningKey.generate()
    rotation = sign_statement(old, ROTATION, runtime.keys.rotation_body(bo, old_info, bytes(new.verify_key)))
    runtime.keys.rotate_own(bo, rotation)
    clock.advance(minutes=1)
    assert runtime.keys.verify_member_statement(signed_before, at=signed_at).key_id == old_info.key_id
    with pytest.raises(NotAllowed, match="rotated"):
        runtime.keys.verify_member_statement(sign_statement(old, "contribution", CONTRIBUTION))
    assert (
        runtime.keys.verify_member_statement(sign_statement(new, "contribution", CONTRIBUTION)).account_id
        == bo.account_id
    )


def test_a_rotation_not_signed_by_the_current_key_is_refused(runtime, admit):
    bo = admit("bo")
    old_info = register_own(runtime, bo, nacl.signing.SigningKey.generate())
    intruder = nacl.signing.SigningKey.generate()
    rotation = sign_statement(intruder, ROTATION, runtime.keys.rotation_body(bo, old_info, bytes(intruder.verify_key)))
    with pytest.raises(Refused):
        runtime.keys.rotate_own(bo, rotation)


def test_custodial_rotation_keeps_the_member_signing(runtime, admit, clock):
    bo = admit("bo")
    first = runtime.keys.create_custodial_key(bo, "bo-password")
    clock.advance(minutes=5)
    second = runtime.keys.rotate_custodial(bo, "bo-password")
    assert second.key_id != first.key_id
    assert (
        runtime.keys.verify_member_statement(
            runtime.keys.sign_as(bo, "bo-password", "contribution", CONTRIBUTION)
        ).key_id
        == second.key_id
    )


def test_revocation_ends_a_key_but_earlier_signatures_still_verify(runtime, admit, steward, clock):
    bo = admit("bo")
    own = nacl.signing.SigningKey.generate()
    info = register_own(runtime, bo, own)
    earlier = sign_statement(own, "contribution", CONTRIBUTION)
    signed_at = clock()
    clock.advance(minutes=10)
    runtime.keys.revoke(steward, info.key_id, "device lost")
    clock.advance(seconds=1)
    assert runtime.keys.verify_member_statement(earlier, at=signed_at).key_id == info.key_id
    with pytest.raises(NotAllowed, match="revoked"):
        runtime.keys.verify_member_statement(earlier)


def test_only_the_owner_or_a_steward_revokes(runtime, admit):
    bo, cy = admit("bo"), admit("cy")
    info = runtime.keys.create_custodial_key(bo, "bo-password")
    with pytest.raises(NotAllowed):
        runtime.keys.revoke(cy, info.key_id)
