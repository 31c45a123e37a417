"""JSON API for a member's contributions: drafts, signing (custodial or own key), receipts and
revoking consent: the same services the portal calls."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, Protocol, TypeVar

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from coop.kernel.errors import Refused
from coop.work.contributions import ContributionService, ContributionView
from provenance.core.signing import SignedStatement, b64, unb64
from provenance.service import ProvenanceLog
from web import auth
from web.auth import SignedIn
from web.inputs import Small
from web.signed_bodies import ConsentRevocationIn, ContributionStatement


class ContributionIn(msgspec.Struct):
    task_id: str
    minutes: Small
    terms: dict[str, Any]
    text: str | None = None
    json_content: Any = None
    file_base64: str | None = None
    media_type: str = "text/plain"
    units: Small = 1

    def content(self) -> tuple[bytes, str]:
        given = [x is not None for x in (self.text, self.json_content, self.file_base64)]
        if sum(given) != 1:
            raise Refused("send exactly one of text, json_content or file_base64")
        if self.text is not None:
            return self.text.encode("utf-8"), self.media_type if self.media_type != "application/json" else "text/plain"
        if self.json_content is not None:
            return json.dumps(self.json_content, ensure_ascii=False).encode("utf-8"), "application/json"
        try:
            return base64.b64decode(self.file_base64 or "", validate=True), self.media_type
        except ValueError as error:
            raise Refused("file_base64 is not valid base64") from error


class SubmitIn(msgspec.Struct):
    """Submit with a custodial key ({password}) or with your own key ({statement})."""

    password: str | None = None
    statement: ContributionStatement | None = None


T = TypeVar("T")


class SignedBody(Protocol):
    """A statement as a member sent it, typed per kind (`web.signed_bodies`)."""

    def signed(self) -> SignedStatement: ...


class Signing(Protocol):
    """A request body that is signed one of two ways: a custodial key's password, or a statement."""

    @property
    def password(self) -> str | None: ...
    @property
    def statement(self) -> SignedBody | None: ...


def signed_either_way(data: Signing, own_key: Callable[[SignedStatement], T], custodial: Callable[[str], T]) -> T:
    """Run `own_key` with the statement the member signed, or `custodial` with their password."""
    if data.statement is not None:
        return own_key(data.statement.signed())
    if data.password is not None:
        return custodial(data.password)
    raise Refused("send {password} (custodial key) or {statement} (your own key)")


def contribution_json(c: ContributionView) -> dict[str, Any]:
    data = asdict(c)
    data["created_at"] = c.created_at.isoformat()
    data["submitted_at"] = c.submitted_at.isoformat() if c.submitted_at else None
    return data


class ContributionsApi(Controller):
    path = "/api/contributions"
    tags = ["contributions"]
    guards = [auth.member]

    @get("/", summary="My contributions", sync_to_thread=True)
    def mine(self, principal: SignedIn, contributions: NamedDependency[ContributionService]) -> list[dict[str, Any]]:
        return [contribution_json(c) for c in contributions.mine(principal)]

    @post("/", summary="Create a draft", sync_to_thread=True)
    def draft(
        self, principal: SignedIn, contributions: NamedDependency[ContributionService], data: JSONBody[ContributionIn]
    ) -> dict[str, Any]:
        content, media_type = data.content()
        return contribution_json(
            contributions.draft(principal, data.task_id, content, media_type, data.minutes, data.terms, data.units)
        )

    @put("/{contribution_id:str}", summary="Edit a draft", sync_to_thread=True)
    def edit(
        self,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
        data: JSONBody[ContributionIn],
    ) -> dict[str, Any]:
        content, media_type = data.content()
        return contribution_json(
            contributions.edit_draft(
                principal, contribution_id, content, media_type, data.minutes, data.terms, data.units
            )
        )

    @get("/{contribution_id:str}", sync_to_thread=True)
    def get_one(
        self, principal: SignedIn, contributions: NamedDependency[ContributionService], contribution_id: FromPath[str]
    ) -> dict[str, Any]:
        return contribution_json(contributions.get(principal, contribution_id))

    @get("/{contribution_id:str}/content", sync_to_thread=True)
    def content(
        self, principal: SignedIn, contributions: NamedDependency[ContributionService], contribution_id: FromPath[str]
    ) -> Response[bytes]:
        data, media_type = contributions.content(principal, contribution_id)
        return Response(data, media_type=media_type, headers={"Content-Disposition": "attachment"})

    @get("/{contribution_id:str}/statement", summary="The statement body to sign with my own key", sync_to_thread=True)
    def statement(
        self,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
        key: FromQuery[str],
    ) -> dict[str, Any]:
        body = contributions.statement_body(principal, contribution_id, unb64(key, "key"))
        return {"kind": "contribution", "body": body}

    @post(
        "/{contribution_id:str}/submit",
        summary="Submit: {password} for a custodial key, or {statement} signed by my own",
        sync_to_thread=True,
        status_code=200,
    )
    def submit(
        self,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
        data: JSONBody[SubmitIn],
    ) -> dict[str, Any]:
        view = signed_either_way(
            data,
            lambda statement: contributions.submit_signed(principal, contribution_id, statement),
            lambda password: contributions.submit_with_password(principal, contribution_id, password),
        )
        return contribution_json(view)

    @post(
        "/{contribution_id:str}/revise",
        summary="Start a revision (a new draft linked to this one)",
        sync_to_thread=True,
    )
    def revise(
        self, principal: SignedIn, contributions: NamedDependency[ContributionService], contribution_id: FromPath[str]
    ) -> dict[str, Any]:
        return contribution_json(contributions.revise(principal, contribution_id))

    @get(
        "/{contribution_id:str}/receipt",
        summary="Log entry, checkpoint and inclusion proof of an accepted contribution",
        sync_to_thread=True,
    )
    def receipt(
        self,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        log: NamedDependency[ProvenanceLog],
        contribution_id: FromPath[str],
    ) -> dict[str, Any]:
        receipt = contributions.receipt(principal, contribution_id)
        return {
            "index": receipt.index,
            "leaf_hash": b64(receipt.leaf_hash),
            "tree_size": receipt.checkpoint.size,
            "checkpoint": receipt.checkpoint.note,
            "hashes": [b64(h) for h in receipt.proof],
            "verifier_key": log.verifier_key,
        }

    @post(
        "/{contribution_id:str}/revoke-consent",
        summary="Revoke consent for future licenses",
        sync_to_thread=True,
        status_code=200,
    )
    def revoke(
        self,
        principal: SignedIn,
        contributions: NamedDependency[ContributionService],
        contribution_id: FromPath[str],
        data: JSONBody[ConsentRevocationIn],
    ) -> dict[str, Any]:
        index = signed_either_way(
            data,
            lambda statement: contributions.revoke_consent(principal, contribution_id, statement),
            lambda password: contributions.revoke_consent_with_password(principal, contribution_id, password),
        )
        return {"log_index": index}
