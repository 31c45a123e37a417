"""The buyer's withdrawal notices: one page per license, unread first marked, and marking them read.
The unread counts on the license list come from `WithdrawalService.unread_counts`."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from coop.datasets.withdrawals import WithdrawalService
from web import auth
from web.auth import SignedIn
from web.portal.common import Req, page, redirect_done


class WithdrawalPages(Controller):
    path = "/licenses/{license_id:str}/withdrawals"
    guards = [auth.signed_in]
    include_in_schema = False

    @get(sync_to_thread=True)
    def notices(
        self,
        request: Req,
        principal: SignedIn,
        withdrawals: NamedDependency[WithdrawalService],
        license_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        license, notices = withdrawals.notices(principal, license_id)
        return page(
            request,
            "withdrawals.html",
            license=license,
            notices=notices,
            unread=sum(n.unread for n in notices),
            licensee=principal.org_id == license.buyer_org_id,
            verifier_key=withdrawals.log.verifier_key,
            done=done,
        )

    @post("/read", sync_to_thread=True)
    def read(
        self, principal: SignedIn, withdrawals: NamedDependency[WithdrawalService], license_id: FromPath[str]
    ) -> Redirect:
        withdrawals.mark_read(principal, license_id)
        return redirect_done(f"/licenses/{license_id}/withdrawals", "Marked read.")
