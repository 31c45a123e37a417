"""JSON API for membership, keys and tokens: the same services the portal pages call."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from coop.kernel.principal import Principal
from coop.membership.auth import TOKEN_DAYS, AuthService
from coop.membership.keys import KeyInfo, KeyService
from coop.membership.passwords import PasswordService
from coop.membership.service import MembershipService
from provenance.core.signing import SignedStatement, b64, unb64
from web import auth
from web.auth import SignedIn
from web.inputs import AwareTime, RowId, moment

Req = Request[Principal | None, Any, Any]


class ApplicationIn(msgspec.Struct):
    name: str
    email: str
    password: str
    skills: str = ""
    region: str = ""


class BuyerIn(msgspec.Struct):
    organisation: str
    name: str
    email: str
    password: str


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


class PasswordChangeIn(msgspec.Struct):
    current_password: str
    new_password: str


class PasswordResetIn(msgspec.Struct):
    code: str
    new_password: str


class RolesIn(msgspec.Struct):
    roles: list[str]


class PasswordIn(msgspec.Struct):
    password: str


class StatementIn(msgspec.Struct):
    kind: str
    body: dict[str, Any]
    key: str
    sig: str

    def signed(self) -> SignedStatement:
        return SignedStatement(self.kind, self.body, unb64(self.key, "key"), unb64(self.sig, "sig"))


class VerifyIn(StatementIn):
    at: AwareTime | None = None


class SignIn(msgspec.Struct):
    password: str
    kind: str
    body: dict[str, Any]


class RevokeIn(msgspec.Struct):
    reason: str = ""


def principal_json(p: Principal) -> dict[str, Any]:
    return {
        "account_id": p.account_id,
        "kind": p.kind,
        "name": p.display_name,
        "email": p.email,
        "status": p.status,
        "roles": sorted(p.roles),
        "organisation": p.org_name,
        "via": p.via,
        "scopes": sorted(p.scopes),
    }


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


class AccountsApi(Controller):
    path = "/api"
    tags = ["accounts"]

    @post("/applications", summary="Apply to join the co-op", sync_to_thread=True)
    def apply(
        self, request: Req, members: NamedDependency[MembershipService], data: JSONBody[ApplicationIn]
    ) -> dict[str, Any]:
        account_id = members.apply(
            data.name, data.email, data.password, data.skills, data.region, address=auth.client_address(request)
        )
        return {"account_id": account_id, "status": "applicant"}

    @post("/buyers", summary="Register a buyer account for an organisation", sync_to_thread=True)
    def register_buyer(
        self, request: Req, members: NamedDependency[MembershipService], data: JSONBody[BuyerIn]
    ) -> dict[str, Any]:
        return {
            "account_id": members.register_buyer(
                data.organisation, data.name, data.email, data.password, address=auth.client_address(request)
            )
        }

    @post("/tokens", summary="Exchange email and password for a personal API token (shown once)", sync_to_thread=True)
    def token(
        self, request: Req, auth_service: NamedDependency[AuthService], data: JSONBody[TokenRequestIn]
    ) -> dict[str, Any]:
        principal = auth_service.check_credentials(data.email, data.password, auth.client_address(request))
        return {"token": auth_service.create_token(principal, data.label, data.scopes, data.days)}

    @post(
        "/password-reset",
        summary="Set a new password with a one-time reset code from a steward",
        sync_to_thread=True,
        status_code=200,
    )
    def reset_password(
        self, passwords: NamedDependency[PasswordService], data: JSONBody[PasswordResetIn]
    ) -> dict[str, Any]:
        done = passwords.reset(data.code, data.new_password)
        return {
            "account_id": done.account_id,
            "revoked_key": done.revoked_key,
            "revocation_log_index": done.revocation_index,
        }

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


class MeApi(Controller):
    path = "/api/me"
    tags = ["me"]
    guards = [auth.signed_in]

    @get("/", summary="Who am I", sync_to_thread=False)
    def me(self, principal: SignedIn) -> dict[str, Any]:
        return principal_json(principal)

    @post("/leave", summary="Leave the co-op", guards=[auth.member], sync_to_thread=True, status_code=200)
    def leave(self, principal: SignedIn, members: NamedDependency[MembershipService]) -> dict[str, Any]:
        return {"log_index": members.leave(principal)}

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

    @post(
        "/password",
        summary="Change my password (ends my web sessions; a custodial key is sealed again under the new one)",
        sync_to_thread=True,
        status_code=200,
    )
    def change_password(
        self, principal: SignedIn, passwords: NamedDependency[PasswordService], data: JSONBody[PasswordChangeIn]
    ) -> dict[str, Any]:
        return {"sessions_ended": passwords.change(principal, data.current_password, data.new_password)}

    @get("/keys", summary="My signing keys", guards=[auth.member], sync_to_thread=True)
    def keys(self, principal: SignedIn, keys: NamedDependency[KeyService]) -> dict[str, Any]:
        return {
            "keys": [key_json(k) for k in keys.keys_of(principal.account_id)],
            "registration_statement": {"kind": "member.key-registration", "body": keys.registration_body(principal)},
        }

    @post("/keys", summary="Register a key I hold (statement signed by it)", guards=[auth.member], sync_to_thread=True)
    def register_key(
        self, principal: SignedIn, keys: NamedDependency[KeyService], data: JSONBody[StatementIn]
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
        self, principal: SignedIn, keys: NamedDependency[KeyService], data: JSONBody[StatementIn]
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


class MembersApi(Controller):
    path = "/api/members"
    tags = ["stewards"]
    guards = [auth.steward]

    @get("/", summary="Member directory", sync_to_thread=True)
    def directory(
        self, principal: SignedIn, members: NamedDependency[MembershipService], status: FromQuery[str | None] = None
    ) -> list[dict[str, Any]]:
        rows = members.directory(principal, status)
        return [
            {
                **r.__dict__,
                "applied_at": r.applied_at.isoformat(),
                "admitted_at": r.admitted_at.isoformat() if r.admitted_at else None,
            }
            for r in rows
        ]

    @post("/{account_id:str}/admit", sync_to_thread=True, status_code=200)
    def admit(
        self,
        principal: SignedIn,
        members: NamedDependency[MembershipService],
        account_id: FromPath[str],
        data: JSONBody[RolesIn],
    ) -> dict[str, Any]:
        return {"log_index": members.admit(principal, account_id, data.roles)}

    @post("/{account_id:str}/decline", sync_to_thread=True, status_code=200)
    def decline(
        self, principal: SignedIn, members: NamedDependency[MembershipService], account_id: FromPath[str]
    ) -> dict[str, Any]:
        members.decline(principal, account_id)
        return {"status": "declined"}

    @post("/{account_id:str}/roles", sync_to_thread=True, status_code=200)
    def roles(
        self,
        principal: SignedIn,
        members: NamedDependency[MembershipService],
        account_id: FromPath[str],
        data: JSONBody[RolesIn],
    ) -> dict[str, Any]:
        return {"log_index": members.set_roles(principal, account_id, data.roles)}

    @post(
        "/{account_id:str}/password-reset",
        summary="Issue a one-time password reset code (shown once) to pass on to the member",
        sync_to_thread=True,
        status_code=201,
    )
    def password_reset(
        self, principal: SignedIn, passwords: NamedDependency[PasswordService], account_id: FromPath[str]
    ) -> dict[str, Any]:
        issued = passwords.issue_reset(principal, account_id=account_id)
        return {
            "code": issued.code,
            "account_id": issued.account_id,
            "expires_at": issued.expires_at.isoformat(),
            "page": "/reset-password",
        }

    @post("/{account_id:str}/suspend", sync_to_thread=True, status_code=200)
    def suspend(
        self, principal: SignedIn, members: NamedDependency[MembershipService], account_id: FromPath[str]
    ) -> dict[str, Any]:
        return {"log_index": members.suspend(principal, account_id)}

    @post("/{account_id:str}/reinstate", sync_to_thread=True, status_code=200)
    def reinstate(
        self, principal: SignedIn, members: NamedDependency[MembershipService], account_id: FromPath[str]
    ) -> dict[str, Any]:
        return {"log_index": members.reinstate(principal, account_id)}


API_CONTROLLERS = [AccountsApi, MeApi, KeysApi, MembersApi]
