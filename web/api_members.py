"""JSON API for membership: applying, buyer accounts, who am I, leaving, passwords, and the stewards'
member directory. Keys and tokens are web.api_keys; the same services the portal pages call."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from coop.kernel.principal import Principal
from coop.membership.passwords import PasswordService
from coop.membership.service import MembershipService
from provenance.core.signing import SignedStatement, unb64
from web import auth
from web.auth import Req, SignedIn


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


class PasswordChangeIn(msgspec.Struct):
    current_password: str
    new_password: str


class PasswordResetIn(msgspec.Struct):
    code: str
    new_password: str


class RolesIn(msgspec.Struct):
    roles: list[str]


class StatementIn(msgspec.Struct):
    """A statement signed by a member's key, as every API body carries one (keys, contributions,
    ballots). It stays in this module: the OpenAPI document names its schema `api_members_StatementIn`
    (after this module, to tell it from web.log_api's), and moving it would rename that schema."""

    kind: str
    body: dict[str, Any]
    key: str
    sig: str

    def signed(self) -> SignedStatement:
        return SignedStatement(self.kind, self.body, unb64(self.key, "key"), unb64(self.sig, "sig"))


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


MEMBERS_API = [AccountsApi, MeApi, MembersApi]
