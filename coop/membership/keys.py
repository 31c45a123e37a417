"""Members' Ed25519 signing keys: registration, custody, rotation, revocation, and verification
"as of a time".

Two kinds of custody, both real:
  own        the member holds the private key and signs client-side (e.g. `coop sign`); the
             registration statement is signed by the new key itself, proving possession;
  custodial  the co-op stores the seed sealed under the member's password (secrets.seal_seed) and
             opens it only inside the member's own signing request. Every opening, and every
             password check here, passes the throttle (coop.membership.gate) and runs argon2
             outside any transaction.
A member has at most one active key. Rotation announces the new key in a statement signed by the
old one; revocation ends a key. Both are log entries. A key is valid from its registration until
its rotation or revocation, so a signature made before then still verifies afterwards.

Right after a registration or rotation the co-op logs its acknowledgement of the new key
(`key_acknowledgements`: whoever reads the log alone trusts a member key only from it). A key's
standing is read from its insert-only history (`key_records`); reading keys and verifying
statements against them is `key_reading`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import nacl.signing
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.membership import key_acknowledgements
from coop.membership.gate import Gate
from coop.membership.key_acknowledgements import ACKNOWLEDGEMENT
from coop.membership.key_reading import KeyReading, verify_signature
from coop.membership.key_records import (
    KeyInfo,
    active_key,
    key_info,
    refuse_second_active_key,
)
from coop.membership.models import Account, Custody, KeyEvent, MemberKey
from coop.membership.secrets import SealedSeed, WrongPassword, open_seed, password_matches, seal_seed
from coop.statements import REGISTRATION_PURPOSE, check_input, store_text
from provenance.core.signing import (
    SignedStatement,
    b64,
    key_id,
    sign_statement,
    unb64,
)
from provenance.service import ProvenanceLog

__all__ = ["ACKNOWLEDGEMENT", "REGISTRATION", "REVOCATION", "ROTATION", "KeyInfo", "KeyService"]

REGISTRATION = "member.key-registration"
ROTATION = "member.key-rotation"
REVOCATION = "member.key-revocation"


class KeyService(KeyReading):
    """Registering, custody, rotation and revocation; reading and verifying are `KeyReading`'s."""

    def __init__(
        self, engine: Engine, log: ProvenanceLog, clock: Callable[[], datetime] = utcnow, gate: Gate | None = None
    ):
        self.engine = engine
        self.log = log
        self.clock = clock
        self.gate = gate or Gate(engine, clock)

    # -- registering -----------------------------------------------------------------------

    def registration_body(self, member: Principal) -> dict[str, Any]:
        """What a member signs with a new key of their own to register it (proof of possession)."""
        return {"member": member.account_id, "purpose": REGISTRATION_PURPOSE}

    def register_own_key(self, member: Principal, statement: SignedStatement) -> KeyInfo:
        _require_member(member)
        check_input(REGISTRATION, statement.body)
        if statement.kind != REGISTRATION or dict(statement.body) != self.registration_body(member):
            raise Refused(f"sign the statement kind '{REGISTRATION}' with body {self.registration_body(member)}")
        verify_signature(statement)
        with write_session(self.engine) as session, session.begin():
            refuse_second_active_key(session, member.account_id)
            index = self.log.append_in_transaction(session.connection(), [statement])[0]
            return self._store_key(session, member.account_id, statement.public_key, "own", None, index, replaces=None)

    def create_custodial_key(self, member: Principal, password: str) -> KeyInfo:
        """A new key the co-op keeps sealed under the member's (current, re-entered) password."""
        _require_member(member)
        self._check_password(member, password)
        signing_key = nacl.signing.SigningKey.generate()
        sealed = seal_seed(bytes(signing_key), password)  # argon2: before the transaction
        with write_session(self.engine) as session, session.begin():
            refuse_second_active_key(session, member.account_id)
            statement = sign_statement(signing_key, REGISTRATION, self.registration_body(member))
            index = self.log.append_in_transaction(session.connection(), [statement])[0]
            return self._store_key(
                session, member.account_id, bytes(signing_key.verify_key), "custodial", sealed, index, replaces=None
            )

    # -- signing with a custodial key ------------------------------------------------------

    def sign_as(self, member: Principal, password: str, kind: str, body: Mapping[str, Any]) -> SignedStatement:
        """Open the member's sealed key with their password, sign, and forget the key."""
        _require_member(member)
        with Session(self.engine) as session:
            key = active_key(session, member.account_id)
            if key.custody != "custodial" or key.sealed_box is None or key.sealed_salt is None:
                raise Conflict("your active key is your own: sign on your device (e.g. `coop sign`)")
        return sign_statement(self._open(member, key, password), kind, body)

    # -- rotation and revocation -----------------------------------------------------------

    def rotation_body(self, member: Principal, old: KeyInfo, new_public_key: bytes) -> dict[str, Any]:
        return {"member": member.account_id, "old_key": old.key_id, "new_key": b64(new_public_key)}

    def rotate_own(self, member: Principal, statement: SignedStatement) -> KeyInfo:
        """Replace the active key by a key of the member's own; `statement` is signed by the old key."""
        _require_member(member)
        check_input(ROTATION, statement.body)
        verify_signature(statement)
        with write_session(self.engine) as session, session.begin():
            old = active_key(session, member.account_id)
            new_public = unb64(str(statement.body.get("new_key", "")), "new_key")
            if statement.kind != ROTATION or statement.public_key != old.public_key:
                raise Refused(f"a rotation is a '{ROTATION}' statement signed by your current key {old.key_id}")
            if dict(statement.body) != self.rotation_body(member, key_info(session, old), new_public):
                raise Refused("rotation statement body must be {member, old_key, new_key}")
            return self._rotate(session, old, statement, new_public, "own", None)

    def rotate_custodial(self, member: Principal, password: str) -> KeyInfo:
        """Replace the active custodial key by a new custodial key, announced by the old one."""
        _require_member(member)
        with Session(self.engine) as session:
            old = active_key(session, member.account_id)
            if old.custody != "custodial":
                raise Conflict("your active key is your own: rotate it by signing a rotation statement")
        signing_old = self._open(member, old, password)  # argon2 (opening, then sealing): before the transaction
        new_key = nacl.signing.SigningKey.generate()
        sealed = seal_seed(bytes(new_key), password)
        with write_session(self.engine) as session, session.begin():
            old = active_key(session, member.account_id)
            if old.public_key != bytes(signing_old.verify_key):
                raise Conflict("your active key changed meanwhile; look at your keys and try again")
            body = self.rotation_body(member, key_info(session, old), bytes(new_key.verify_key))
            statement = sign_statement(signing_old, ROTATION, body)
            return self._rotate(session, old, statement, bytes(new_key.verify_key), "custodial", sealed)

    def move_custodial_to_own(self, member: Principal, password: str, registration: SignedStatement) -> KeyInfo:
        """One step from a custodial key to one the member holds (e.g. in their browser): the new
        key proves possession with its registration statement (checked, not logged), the custodial
        key, opened with the password, signs the rotation that ends it and announces the new key,
        and both happen in one transaction (one rotation entry, then the co-op's acknowledgement)."""
        _require_member(member)
        check_input(REGISTRATION, registration.body)
        if registration.kind != REGISTRATION or dict(registration.body) != self.registration_body(member):
            raise Refused(f"sign the statement kind '{REGISTRATION}' with body {self.registration_body(member)}")
        verify_signature(registration)
        new_public = registration.public_key
        with Session(self.engine) as session:
            old = active_key(session, member.account_id)
            if old.custody != "custodial":
                raise Conflict("your active key is your own: rotate it by signing a rotation statement")
        signing_old = self._open(member, old, password)  # argon2: before the transaction
        with write_session(self.engine) as session, session.begin():
            old = active_key(session, member.account_id)
            if old.public_key != bytes(signing_old.verify_key):
                raise Conflict("your active key changed meanwhile; look at your keys and try again")
            body = self.rotation_body(member, key_info(session, old), new_public)
            return self._rotate(session, old, sign_statement(signing_old, ROTATION, body), new_public, "own", None)

    def revoke(self, actor: Principal, target_key_id: str, reason: str = "") -> int:
        """End a key at once. Its owner may revoke it; so may a steward (e.g. a lost device).
        The revocation is signed by the co-op, since the key itself may be compromised."""
        with write_session(self.engine) as session, session.begin():
            key = session.get(MemberKey, target_key_id)
            if key is None:
                raise NotFound(f"no key {target_key_id}")
            if key.account_id != actor.account_id and not actor.is_steward:
                raise NotAllowed("only the key's owner or a steward may revoke it")
            return self.revoke_in_transaction(session, key, actor.account_id, reason)

    def revoke_in_transaction(self, session: Session, key: MemberKey, by: str, reason: str) -> int:
        """Revoke `key` in the caller's write transaction (a password reset revokes, with the
        password change, the custodial key it can no longer open). The caller checked who may."""
        info = key_info(session, key)
        if info.valid_until is not None:
            raise Conflict(f"key {key.key_id} already ended ({info.ended_by})")
        reason = reason.strip()[:200]  # kept beside the log: it may name people
        body = {
            "member": key.account_id,
            "key": key.key_id,
            "by": by,
            "reason_sha256": store_text(session, reason, self.clock) if reason else None,
        }
        index = self.log.append_coop_statement(session.connection(), REVOCATION, body)
        session.add(KeyEvent(key_id=key.key_id, event="revoked", at=self.clock(), log_index=index))
        return index

    def acknowledge_earlier_keys(self) -> int:
        """Acknowledge every key registered before the co-op logged acknowledgements (`coop init`)."""
        return key_acknowledgements.acknowledge_earlier_keys(self.engine, self.log, self.clock)

    # -- helpers ---------------------------------------------------------------------------

    def _rotate(
        self,
        session: Session,
        old: MemberKey,
        statement: SignedStatement,
        new_public: bytes,
        custody: Custody,
        sealed: SealedSeed | None,
    ) -> KeyInfo:
        index = self.log.append_in_transaction(session.connection(), [statement])[0]
        new_info = self._store_key(session, old.account_id, new_public, custody, sealed, index, replaces=old.key_id)
        session.add(
            KeyEvent(
                key_id=old.key_id,
                event="rotated",
                at=new_info.valid_from,
                log_index=index,
                successor_key_id=new_info.key_id,
            )
        )
        session.flush()
        return new_info

    def _store_key(
        self,
        session: Session,
        account_id: str,
        public: bytes,
        custody: Custody,
        sealed: SealedSeed | None,
        index: int,
        replaces: str | None,
    ) -> KeyInfo:
        """Record a key registered (or rotated in) by log entry `index`, and log the co-op's acknowledgement."""
        if session.scalar(select(MemberKey.key_id).where(MemberKey.public_key == public)) is not None:
            raise Conflict("this public key is already registered")
        now = self.clock()
        key_acknowledgements.acknowledge(session, self.log, account_id, public, index, replaces, now)
        key = MemberKey(
            key_id=key_id(public),
            account_id=account_id,
            public_key=public,
            custody=custody,
            sealed_salt=sealed.salt if sealed else None,
            sealed_box=sealed.box if sealed else None,
            sealed_opslimit=sealed.opslimit if sealed else None,
            sealed_memlimit=sealed.memlimit if sealed else None,
        )
        session.add(key)
        session.flush()
        session.add(KeyEvent(key_id=key.key_id, event="registered", at=now, log_index=index))
        session.flush()
        return KeyInfo(key.key_id, account_id, public, custody, now, None, None, index)

    def _check_password(self, member: Principal, password: str) -> None:
        """The member's account password, checked through the throttle, outside any transaction."""
        with Session(self.engine) as session:
            stored = session.scalar(select(Account.password_hash).where(Account.id == member.account_id))

        def check() -> None:
            if stored is None or not password_matches(stored, password):
                raise WrongPassword("wrong password")

        try:
            self.gate.check_password(member.account_id, member.address, check)
        except WrongPassword:
            raise NotAllowed("wrong password") from None

    def _open(self, member: Principal, key: MemberKey, password: str) -> nacl.signing.SigningKey:
        """Open a sealed key through the throttle (a password guess like any other), outside any transaction."""
        assert key.sealed_salt is not None and key.sealed_box is not None
        sealed = SealedSeed(key.sealed_salt, key.sealed_box, key.sealed_opslimit or 0, key.sealed_memlimit or 0)
        try:
            return self.gate.check_password(member.account_id, member.address, lambda: open_seed(sealed, password))
        except WrongPassword as error:
            raise NotAllowed("wrong password: the key was not opened") from error


def _require_member(principal: Principal) -> None:
    if not principal.in_good_standing:
        raise NotAllowed("only members in good standing have signing keys")
