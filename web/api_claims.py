"""JSON API for doing the work on items: a steward sets a task's answer spec; a member claims the
next item, skips it with a reason, or answers it (a typed answer, signed with the custodial key's
password or as a statement signed with their own key). The services are coop.work.answer_specs,
coop.work.claims and coop.work.item_answers, as the portal's will be."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Controller, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from coop.kernel.errors import Conflict, NotFound, Refused
from coop.work.answer_specs import AnswerSpecService, AnswerSpecView
from coop.work.claims import ClaimService, ClaimView
from coop.work.item_answers import AnswerReceipt, ItemAnswerService
from provenance.core.signing import unb64
from web import auth
from web.api_contributions import contribution_json
from web.api_items import item_json
from web.auth import SignedIn
from web.inputs import Small
from web.signed_bodies import ContributionStatement

ANSWER_DESCRIPTION = """With `?next=true` the answer is "Submit & next": the response is the receipt plus `next`,
the member's next claim on the task with its item (or null, with the reason in `next_refused`). With
a `statement` signed by the member's own key, the answer, its submission and the next claim are one
transaction: a refused statement (bad signature, a body that does not match) changes nothing and
claims nothing, and a retried request returns the same receipt and the same next claim.

The statement to sign needs no round trip: it is the canonical JSON (RFC 8785) of
`{"answer", "author", "content_sha256", "item", "item_sha256", "minutes", "revises": null, "task",
"terms", "time", "units": 1}` where `answer` is the answer in its normal form, `content_sha256` the
SHA-256 of that answer's canonical JSON, `author` the key id of the signing key, `item`/`item_sha256`
the claim's item (`item.id`, `item.sha256`), and `time` the signing time in UTC, to the
second, with `+00:00`; signed as kind `contribution`. docs/submit-and-next.md gives an example."""


class AnswerSpecIn(msgspec.Struct):
    answer_kind: str
    config: dict[str, Any]
    answers_per_item: Small


class SkipIn(msgspec.Struct):
    reason: str


class AnswerIn(msgspec.Struct):
    answer: Any
    minutes: Small
    terms: dict[str, Any]
    password: str | None = None
    statement: ContributionStatement | None = None


class StatementRequestIn(msgspec.Struct):
    answer: Any
    minutes: Small
    terms: dict[str, Any]
    key: str  # base64 of the member's own public key


def spec_json(spec: AnswerSpecView) -> dict[str, Any]:
    return {**asdict(spec), "set_at": spec.set_at.isoformat()}


def claim_json(claim: ClaimView) -> dict[str, Any]:
    return {
        "claim_id": claim.id,
        "task_id": claim.task_id,
        "item": item_json(claim.item),
        "claimed_at": claim.claimed_at.isoformat(),
        "expires_at": claim.expires_at.isoformat(),
    }


def receipt_json(receipt: AnswerReceipt) -> dict[str, Any]:
    return {
        "claim_id": receipt.claim_id,
        "item_id": receipt.item_id,
        "item_sha256": receipt.item_sha256,
        "answer": receipt.answer,
        "measured_seconds": receipt.measured_seconds,
        "contribution": contribution_json(receipt.contribution),
    }


class TaskWorkApi(Controller):
    path = "/api/tasks/{task_id:str}"
    tags = ["claims"]

    @put(
        "/answer-spec",
        guards=[auth.steward],
        summary="Set the task's answer spec (once; the same again is kept)",
        sync_to_thread=True,
    )
    def set_spec(
        self,
        principal: SignedIn,
        answer_specs: NamedDependency[AnswerSpecService],
        task_id: FromPath[str],
        data: JSONBody[AnswerSpecIn],
    ) -> dict[str, Any]:
        return spec_json(answer_specs.set(principal, task_id, data.answer_kind, data.config, data.answers_per_item))

    @post(
        "/claim",
        guards=[auth.member],
        summary="Claim the next item to answer (or get back my live claim)",
        sync_to_thread=True,
        status_code=200,
    )
    def claim(
        self, principal: SignedIn, claims: NamedDependency[ClaimService], task_id: FromPath[str]
    ) -> dict[str, Any]:
        return claim_json(claims.claim_next(principal, task_id))


class ClaimsApi(Controller):
    path = "/api/claims/{claim_id:str}"
    tags = ["claims"]
    guards = [auth.member]

    @post("/skip", summary="Give the claimed item back, with a reason", sync_to_thread=True, status_code=200)
    def skip(
        self,
        principal: SignedIn,
        claims: NamedDependency[ClaimService],
        claim_id: FromPath[str],
        data: JSONBody[SkipIn],
    ) -> dict[str, Any]:
        return claim_json(claims.skip(principal, claim_id, data.reason))

    @post(
        "/statement",
        summary="The contribution statement to sign with my own key for this answer",
        sync_to_thread=True,
        status_code=200,
    )
    def statement(
        self,
        principal: SignedIn,
        item_answers: NamedDependency[ItemAnswerService],
        claim_id: FromPath[str],
        data: JSONBody[StatementRequestIn],
    ) -> dict[str, Any]:
        body = item_answers.statement_body(
            principal, claim_id, data.answer, data.minutes, data.terms, unb64(data.key, "key")
        )
        return {"kind": "contribution", "body": body}

    @post(
        "/answer",
        summary="Answer the claimed item: {password} for a custodial key, or {statement} signed by my own",
        description=ANSWER_DESCRIPTION,
        sync_to_thread=True,
        status_code=200,
    )
    def answer(
        self,
        principal: SignedIn,
        item_answers: NamedDependency[ItemAnswerService],
        claims: NamedDependency[ClaimService],
        claim_id: FromPath[str],
        data: JSONBody[AnswerIn],
        next: FromQuery[bool] = False,  # noqa: A002 - the query parameter's name
    ) -> dict[str, Any]:
        if data.statement is not None:  # own key: answer (and claim the next item) in one transaction
            done = item_answers.submit_next.answer_signed(
                principal, claim_id, data.answer, data.minutes, data.terms, data.statement.signed(), next
            )
            if not next:
                return receipt_json(done.receipt)
            return {**receipt_json(done.receipt), **next_json(done.next, done.next_refused)}
        if data.password is None:
            raise Refused("send {password} (custodial key) or {statement} (your own key)")
        receipt = item_answers.answer_with_password(
            principal, claim_id, data.answer, data.minutes, data.terms, data.password
        )
        if not next:
            return receipt_json(receipt)
        try:
            return {
                **receipt_json(receipt),
                **next_json(claims.claim_next(principal, receipt.contribution.task_id), None),
            }
        except (NotFound, Conflict) as nothing:  # the answer still counts
            return {**receipt_json(receipt), **next_json(None, str(nothing))}


def next_json(claim: ClaimView | None, refused: str | None) -> dict[str, Any]:
    return {"next": claim_json(claim) if claim else None, "next_refused": refused}


CLAIMS_API = [TaskWorkApi, ClaimsApi]
