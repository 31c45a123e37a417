"""Ed25519 statements with domain separation.

A signature over a statement binds its *kind* as well as its body: the signed message is
`coop-ledger statement v1\\n<kind>\\n<canonical body>`. So a signature made for a ballot can never be
replayed as a contribution, and no statement signature can pass as a signed-note (checkpoint)
signature, whose message starts with the log origin instead.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.signing

from provenance.core.canonical import canonical_json

STATEMENT_CONTEXT = b"coop-ledger statement v1\n"
_KIND = re.compile(r"^[a-z][a-z0-9-]{0,39}(\.[a-z][a-z0-9-]{0,39}){0,3}$")


class InvalidStatement(ValueError):
    """A statement is malformed or its signature does not verify. Never repaired, only refused."""


def check_kind(kind: str) -> str:
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise InvalidStatement(f"statement kind {kind!r} is not of the form 'word' or 'word.word'")
    return kind


def signed_message(kind: str, canonical_body: bytes) -> bytes:
    """The exact bytes an Ed25519 signature over a statement covers."""
    return STATEMENT_CONTEXT + check_kind(kind).encode("ascii") + b"\n" + canonical_body


def key_id(public_key: bytes) -> str:
    """Pseudonymous identifier of a public key, safe to publish in the log (no personal data)."""
    return hashlib.sha256(b"coop-ledger key\n" + public_key).hexdigest()[:32]


@dataclass(frozen=True)
class SignedStatement:
    """A statement body, its kind, the signer's Ed25519 public key and the signature."""

    kind: str
    body: Mapping[str, Any]
    public_key: bytes
    signature: bytes

    @property
    def canonical_body(self) -> bytes:
        return canonical_json(self.body)

    @property
    def signer_key_id(self) -> str:
        return key_id(self.public_key)


def sign_statement(signing_key: nacl.signing.SigningKey, kind: str, body: Mapping[str, Any]) -> SignedStatement:
    message = signed_message(kind, canonical_json(body))
    signature = signing_key.sign(message).signature
    return SignedStatement(kind, body, bytes(signing_key.verify_key), signature)


def verify_signature(kind: str, canonical_body: bytes, public_key: bytes, signature: bytes) -> None:
    """Raise InvalidStatement unless `signature` is `public_key`'s signature over the statement."""
    if len(public_key) != 32:
        raise InvalidStatement(f"public key must be 32 bytes, got {len(public_key)}")
    if len(signature) != 64:
        raise InvalidStatement(f"signature must be 64 bytes, got {len(signature)}")
    try:
        nacl.signing.VerifyKey(public_key).verify(signed_message(kind, canonical_body), signature)
    except nacl.exceptions.BadSignatureError as error:
        raise InvalidStatement(f"signature does not verify for {kind} statement by key {key_id(public_key)}") from error


def verify_statement(statement: SignedStatement) -> bytes:
    """Verify a statement and return its canonical body bytes (what the signature covers)."""
    body = statement.canonical_body
    verify_signature(statement.kind, body, statement.public_key, statement.signature)
    return body


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as error:
        raise InvalidStatement(f"{what} is not valid base64") from error
