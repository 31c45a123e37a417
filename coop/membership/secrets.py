"""Password hashing and custodial key sealing: pure functions over PyNaCl (argon2id, SecretBox).

A custodial member key is stored sealed under a key derived from the member's password, so the
co-op's database alone cannot sign for anyone: the seed is opened only inside the member's own
request, with the password they type, and forgotten when the request ends.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.signing
import nacl.utils

from coop.kernel.errors import Refused

MIN_PASSWORD_LENGTH = 10
_COST = {
    "interactive": (nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE),
    "moderate": (nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE),
    # Only for test suites that create hundreds of accounts: still argon2id, with libsodium's minimum cost.
    "test-only-minimum": (nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN),
}
_OPS, _MEM = _COST["interactive"]


def set_argon2_cost(level: str) -> None:
    """Choose the argon2id cost for new hashes and sealed keys (existing hashes carry their own)."""
    global _OPS, _MEM
    if level not in _COST:
        raise ValueError(f"argon2 cost must be one of {', '.join(_COST)}")
    _OPS, _MEM = _COST[level]


class WrongPassword(ValueError):
    pass


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refused(f"password must be at least {MIN_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    return nacl.pwhash.argon2id.str(password.encode("utf-8"), opslimit=_OPS, memlimit=_MEM).decode("ascii")


_DUMMY: dict[tuple[int, int], str] = {}


def dummy_hash() -> str:
    """A hash of no one's password, at the cost new hashes use: sign-in checks the typed password
    against it when the email names no account, so the answer takes as long either way (the time
    of a refusal must not tell whether an email has an account)."""
    if (_OPS, _MEM) not in _DUMMY:
        _DUMMY[(_OPS, _MEM)] = hash_password(secrets.token_urlsafe(16))
    return _DUMMY[(_OPS, _MEM)]


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return nacl.pwhash.verify(stored_hash.encode("ascii"), password.encode("utf-8"))
    except nacl.exceptions.InvalidkeyError:
        return False


@dataclass(frozen=True)
class SealedSeed:
    salt: bytes
    box: bytes  # SecretBox ciphertext (nonce included) of the 32-byte Ed25519 seed
    opslimit: int = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
    memlimit: int = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE


def seal_seed(seed: bytes, password: str) -> SealedSeed:
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    key = nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE, password.encode("utf-8"), salt, opslimit=_OPS, memlimit=_MEM
    )
    return SealedSeed(salt, bytes(nacl.secret.SecretBox(key).encrypt(seed)), _OPS, _MEM)


def open_seed(sealed: SealedSeed, password: str) -> nacl.signing.SigningKey:
    key = nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        password.encode("utf-8"),
        sealed.salt,
        opslimit=sealed.opslimit,
        memlimit=sealed.memlimit,
    )
    try:
        return nacl.signing.SigningKey(nacl.secret.SecretBox(key).decrypt(sealed.box))
    except nacl.exceptions.CryptoError as error:
        raise WrongPassword("the password does not open this key") from error


def new_token(prefix: str) -> str:
    """A bearer secret: shown once, stored only as its hash."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def same_secret(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
