"""JSON API for payout runs under the two-person rule (docs/payouts.md): every member sees each run,
its lines and total before it is paid and each payout's status; stewards propose, approve (another
steward, signed), mark sent and record the bank's answer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from coop.kernel.errors import Refused
from ledger.payout_views import PayoutLine, RunView
from ledger.payouts import APPROVAL_KIND, PayoutService
from web import auth
from web.auth import SignedIn
from web.formatting import money
from web.inputs import Amount, RowId
from web.signed_bodies import PayoutApprovalIn


class PayoutRunIn(msgspec.Struct):
    currency: str
    minimum: Amount
    idempotency_key: str


class OutcomeIn(msgspec.Struct):
    outcome: str


def line_json(line: PayoutLine) -> dict[str, Any]:
    """A line with its amount in minor units and as shown (major units with the currency)."""
    return {**asdict(line), "amount_text": money(line.amount, line.currency)}


def run_json(view: RunView, lines: list[PayoutLine] | None = None) -> dict[str, Any]:
    data = asdict(view)
    data.update(
        proposed_at=view.proposed_at.isoformat(),
        sent_at=view.sent_at.isoformat() if view.sent_at else None,
        total_text=money(view.total, view.currency),
        approvals=[{**asdict(a), "approved_at": a.approved_at.isoformat()} for a in view.approvals],
    )
    if lines is not None:
        data["lines"] = [line_json(line) for line in lines]
    return data


class PayoutApi(Controller):
    path = "/api"
    tags = ["money"]

    @post(
        "/payouts",
        guards=[auth.steward],
        summary="Propose a payout run (nothing is paid until approved)",
        sync_to_thread=True,
    )
    def propose(
        self, principal: SignedIn, payouts: NamedDependency[PayoutService], data: JSONBody[PayoutRunIn]
    ) -> dict[str, Any]:
        run_id = payouts.propose(principal, data.currency, data.minimum, data.idempotency_key)
        lines = payouts.lines(run_id)
        return {"run": run_id, **run_json(payouts.run_view(run_id), lines), "payouts": [line_json(x) for x in lines]}

    @get(
        "/payouts/runs",
        guards=[auth.member],
        summary="Every payout run, newest first, with its status",
        sync_to_thread=True,
    )
    def runs(self, payouts: NamedDependency[PayoutService]) -> list[dict[str, Any]]:
        return [run_json(view) for view in payouts.run_views()]

    @get(
        "/payouts/runs/{run_id:str}",
        guards=[auth.member],
        summary="A payout run: its lines (member, amount, status), total, approvals, who may approve it",
        sync_to_thread=True,
    )
    def run(self, payouts: NamedDependency[PayoutService], run_id: FromPath[str]) -> dict[str, Any]:
        return run_json(payouts.run_view(run_id), payouts.lines(run_id))

    @get(
        "/payouts/runs/{run_id:str}/approval",
        guards=[auth.steward],
        summary="The payout.approved body to sign with your own key",
        sync_to_thread=True,
    )
    def approval_body(
        self, principal: SignedIn, payouts: NamedDependency[PayoutService], run_id: FromPath[str]
    ) -> dict[str, Any]:
        return {"kind": APPROVAL_KIND, "body": payouts.approval_body(principal, run_id)}

    @post(
        "/payouts/runs/{run_id:str}/approvals",
        guards=[auth.steward],
        summary="Approve a run: {password} with a custodial key, or {statement} signed by your own key",
        sync_to_thread=True,
    )
    def approve(
        self,
        principal: SignedIn,
        payouts: NamedDependency[PayoutService],
        run_id: FromPath[str],
        data: JSONBody[PayoutApprovalIn],
    ) -> dict[str, Any]:
        if data.statement is not None:
            index = payouts.approve(principal, run_id, data.statement.signed())
        elif data.password is not None:
            index = payouts.approve_with_password(principal, run_id, data.password)
        else:
            raise Refused("send {password} (custodial key) or {statement} (a payout.approved signed by your own key)")
        return {**run_json(payouts.run_view(run_id)), "approval_log_index": index}

    @post(
        "/payouts/runs/{run_id:str}/sent",
        guards=[auth.steward],
        summary="The run's payment file went to the bank",
        sync_to_thread=True,
        status_code=200,
    )
    def sent(
        self, principal: SignedIn, payouts: NamedDependency[PayoutService], run_id: FromPath[str]
    ) -> dict[str, Any]:
        return {"log_index": payouts.mark_sent(principal, run_id)}

    @post(
        "/payouts/{payout_id:int}/outcome",
        guards=[auth.steward],
        summary="The bank settled or failed a payout (not recorded by the run's proposer)",
        sync_to_thread=True,
        status_code=200,
    )
    def outcome(
        self, principal: SignedIn, payouts: NamedDependency[PayoutService], payout_id: RowId, data: JSONBody[OutcomeIn]
    ) -> dict[str, Any]:
        return {"journal_tx": payouts.record_outcome(principal, payout_id, data.outcome)}

    @get(
        "/me/payouts",
        guards=[auth.member],
        summary="My payouts, each pending / approved / sent / settled / failed",
        sync_to_thread=True,
    )
    def mine(self, principal: SignedIn, payouts: NamedDependency[PayoutService]) -> list[dict[str, Any]]:
        return [line_json(line) for line in payouts.member_lines(principal.account_id)]


PAYOUT_API = [PayoutApi]
