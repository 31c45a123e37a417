"""Membership's statement kinds: admissions, roles and status, and members' signing keys."""

from __future__ import annotations

from typing import Final, Literal, get_args

from coop.kernel.principal import Status
from coop.statements.fields import Actor, Count, Exact, Id, KeyId, PublicKey, Roles, Sha256, Time

RegistrationPurpose = Literal["register this key as my co-op signing key"]
REGISTRATION_PURPOSE: Final[RegistrationPurpose] = get_args(RegistrationPurpose)[0]


class MemberAdmitted(Exact):
    member: Id
    by: Actor
    roles: Roles
    time: Time


class MemberRolesChanged(Exact):
    member: Id
    by: Id
    roles: Roles
    time: Time


class MemberStatusChanged(Exact):
    member: Id
    by: Id
    status: Status
    time: Time


class KeyRegistration(Exact):
    """Signed by the new key itself (proof of possession); trusted once the co-op acknowledges it."""

    member: Id
    purpose: RegistrationPurpose


class KeyRotation(Exact):
    """Signed by the old key; the new key is trusted once the co-op acknowledges it."""

    member: Id
    old_key: KeyId
    new_key: PublicKey


class KeyAcknowledged(Exact):
    """The co-op's word that `key` is `member`'s signing key from log entry `entry` (their signed
    registration or rotation) on, replacing `replaces` if set. Recounts trust member keys only so."""

    member: Id
    key: PublicKey
    key_id: KeyId
    entry: Count
    replaces: KeyId | None
    time: Time


class KeyRevocation(Exact):
    member: Id
    key: KeyId
    by: Id
    reason_sha256: Sha256 | None
