"""JSON API for member keys, signed statements and API tokens: the same services the portal's /me
panels call (web.portal.keys)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from coop.membership.auth import TOKEN_DAYS, AuthService
from coop.membership.keys import KeyInfo, KeyService
from provenance.core.signing import SignedStatement, b64
from web import auth
from web.api_members import StatementIn
from web.auth import Req, SignedIn
from web.inputs import AwareTime, RowId, moment
from web.signed_bodies import KeyRegistrationStatement, KeyRotationStatement


class TokenRequestIn(msgspec.Struct):
    email: str
    password: str
    label: str = "api"
    scopes: list[str] = msgspec.field(default_factory=lambda: ["read"])
    days: int = TOKEN_DAYS  # how long the token lasts, 1 to 365 days


class TokenIn(msgspec.Struct):
    label: str
    scopes: list[str]
    days: int = TOKEN_DAYS


class PasswordIn(msgspec.Struct):
    password: str


class VerifyIn(StatementIn):
    at: AwareTime | None = None


class SignIn(msgspec.Struct):
    password: str
    kind: str
    body: dict[str, Any]


class RevokeIn(msgspec.Struct):
    reason: str = ""


def key_json(k: KeyInfo) -> dict[str, Any]:
    return {
        "key_id": k.key_id,
        "member": k.account_id,
        "public_key": k.public_key_b64,
        "custody": k.custody,
        "valid_from": k.valid_from.isoformat(),
        "valid_until": k.valid_until.isoformat() if k.valid_until else None,
        "ended_by": k.ended_by,
        "log_index": k.log_index,
    }


def statement_json(s: SignedStatement) -> dict[str, Any]:
    return {"kind": s.kind, "body": dict(s.body), "key": b64(s.public_key), "sig": b64(s.signature)}


class CredentialsApi(Controller):
    """The open /api routes about credentials: a token for a password, and checking keys and statements."""

    path = "/api"
    tags = ["accounts"]

    @post("/tokens", summary="Exchange email and password for a personal API token (shown once)", sync_to_thread=True)
    def token(
        self, request: Req, auth_service: NamedDependency[AuthService], data: JSONBody[TokenRequestIn]
    ) -> dict[str, Any]:
        principal = auth_service.check_credentials(data.email, data.password, auth.client_address(request))
        return {"token": auth_service.create_token(principal, data.label, data.scopes, data.days)}

    @post(
        "/statements/verify",
        summary="Verify a statement against the member key valid at a time",
        sync_to_thread=True,
        status_code=200,
    )
    def verify(self, keys: NamedDependency[KeyService], data: JSONBody[VerifyIn]) -> dict[str, Any]:
        info = keys.verify_member_statement(data.signed(), at=moment(data.at, "at"))
        return {"valid": True, "member": info.account_id, "key": key_json(info)}

    @get("/keys/{key_id:str}", summary="A member key and its validity (public)", sync_to_thread=True)
    def key(self, keys: NamedDependency[KeyService], key_id: FromPath[str]) -> dict[str, Any]:
        return key_json(keys.key(key_id))


class MyKeysApi(Controller):
    """/api/me's keys, tokens and signing (the rest of /api/me is web.api_members.MeApi)."""

    path = "/api/me"
    tags = ["me"]
    guards = [auth.signed_in]

    @get("/tokens", summary="My API tokens", sync_to_thread=True)
    def tokens(self, principal: SignedIn, auth_service: NamedDependency[AuthService]) -> list[dict[str, Any]]:
        return [
            {
                "id": t.id,
                "label": t.label,
                "scopes": t.scopes.split(),
                "created_at": t.created_at.isoformat(),
                "expires_at": t.expires_at.isoformat(),
                "expired": t.expired,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in auth_service.tokens(principal)
        ]

    @post("/tokens", summary="Create an API token (shown once)", sync_to_thread=True)
    def create_token(
        self, principal: SignedIn, auth_service: NamedDependency[AuthService], data: JSONBody[TokenIn]
    ) -> dict[str, Any]:
        return {"token": auth_service.create_token(principal, data.label, data.scopes, data.days)}

    @delete("/tokens/{token_id:int}", summary="Revoke an API token", sync_to_thread=True, status_code=204)
    def revoke_token(self, principal: SignedIn, auth_service: NamedDependency[AuthService], token_id: RowId) -> None:
        auth_service.revoke_token(principal, token_id)

    @get("/keys", summary="My signing keys", guards=[auth.member], sync_to_thread=True)
    def keys(self, principal: SignedIn, keys: NamedDependency[KeyService]) -> dict[str, Any]:
        return {
            "keys": [key_json(k) for k in keys.keys_of(principal.account_id)],
            "registration_statement": {"kind": "member.key-registration", "body": keys.registration_body(principal)},
        }

    @post("/keys", summary="Register a key I hold (statement signed by it)", guards=[auth.member], sync_to_thread=True)
    def register_key(
        self, principal: SignedIn, keys: NamedDependency[KeyService], data: JSONBody[KeyRegistrationStatement]
    ) -> dict[str, Any]:
        return key_json(keys.register_own_key(principal, data.signed()))

    @post(
        "/keys/custodial",
        summary="Create a key the co-op keeps sealed under my password",
        guards=[auth.member],
        sync_to_thread=True,
    )
    def custodial_key(
        self, principal: SignedIn, keys: NamedDependency[KeyService], data: JSONBody[PasswordIn]
    ) -> dict[str, Any]:
        return key_json(keys.create_custodial_key(principal, data.password))

    @post(
        "/keys/rotate",
        summary="Rotate to a key I hold (statement signed by my current key)",
        guards=[auth.member],
        sync_to_thread=True,
    )
    def rotate(
        self, principal: SignedIn, keys: NamedDependency[KeyService], data: JSONBody[KeyRotationStatement]
    ) -> dict[str, Any]:
        return key_json(keys.rotate_own(principal, data.signed()))

    @post("/keys/rotate-custodial", summary="Rotate my custodial key", guards=[auth.member], sync_to_thread=True)
    def rotate_custodial(
        self, principal: SignedIn, keys: NamedDependency[KeyService], data: JSONBody[PasswordIn]
    ) -> dict[str, Any]:
        return key_json(keys.rotate_custodial(principal, data.password))

    @post(
        "/sign",
        summary="Sign a statement with my custodial key",
        guards=[auth.member],
        sync_to_thread=True,
        status_code=200,
    )
    def sign(self, principal: SignedIn, keys: NamedDependency[KeyService], data: JSONBody[SignIn]) -> dict[str, Any]:
        return statement_json(keys.sign_as(principal, data.password, data.kind, data.body))


class KeysApi(Controller):
    path = "/api/keys"
    tags = ["keys"]
    guards = [auth.signed_in]

    @post(
        "/{key_id:str}/revoke", summary="Revoke a key (its owner, or a steward)", sync_to_thread=True, status_code=200
    )
    def revoke(
        self, principal: SignedIn, keys: NamedDependency[KeyService], key_id: FromPath[str], data: JSONBody[RevokeIn]
    ) -> dict[str, Any]:
        return {"log_index": keys.revoke(principal, key_id, data.reason)}


KEYS_API = [CredentialsApi, MyKeysApi, KeysApi]
