"""Portal pages for money: earnings, the buyer's licenses and downstream revenue, payouts. Releases
and the checkout are web.portal.releases. Amounts are typed in major units (parse_major)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from coop.datasets.revenue import RevenueService
from coop.datasets.service import DatasetService
from coop.datasets.withdrawals import WithdrawalService
from coop.kernel.errors import Refused
from coop.kernel.money import check_currency, parse_major
from ledger.payouts import PayoutService
from ledger.service import LedgerService
from ledger.statements import earnings_by_month, statement_page
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.inputs import AMOUNT_MAX, OptionalRowId, RowId
from web.periods import statement_period
from web.portal.common import Form, Req, page, redirect_done, text_value

EARNINGS_PAGE = 50  # transactions per page of My earnings, each with its arithmetic


def earnings_chart(months: list[tuple[str, str, int]], height: int = 120, bar: int = 36) -> dict[str, Any] | None:
    """Bars for the main currency, scaled to the best month; drawn as SVG, no script needed."""
    if not months:
        return None
    currency = max({c for _, c, _ in months}, key=lambda c: sum(a for _, cur, a in months if cur == c))
    rows = [(m, a) for m, c, a in months if c == currency]
    top = max(max(a for _, a in rows), 1)
    bars = [
        {
            "x": 10 + i * (bar + 10),
            "w": bar,
            "h": max(1, a * height // top),
            "y": height - max(1, a * height // top),
            "label": m,
            "amount": a,
            "currency": currency,
        }
        for i, (m, a) in enumerate(rows)
    ]
    return {"bars": bars, "width": 20 + len(bars) * (bar + 10), "height": height, "currency": currency}


class MoneyPages(Controller):
    include_in_schema = False

    @get("/earnings", guards=[auth.member], sync_to_thread=True)
    def earnings(
        self,
        request: Req,
        principal: SignedIn,
        ledger: NamedDependency[LedgerService],
        since: FromQuery[str | None] = None,
        until: FromQuery[str | None] = None,
        before: OptionalRowId = None,
    ) -> Template:
        """Newest first, EARNINGS_PAGE transactions a page (`before`: the last one of the previous
        page); the chart covers the whole period, summed by the database."""
        member = principal.account_id
        period = {"since": since or "", "until": until or ""}
        try:
            start, end = statement_period(since, until)
        except Refused as error:
            return page(
                request,
                "earnings.html",
                status_code=400,
                lines=[],
                balance=ledger.member_balance(member),
                chart=None,
                period=period,
                errors={"period": str(error)},
                older=None,
                newest=None,
            )
        statement = statement_page(ledger, member, start, end, cursor=before, limit=EARNINGS_PAGE, newest_first=True)
        chosen = {k: v for k, v in period.items() if v}
        older = f"/earnings?{urlencode({**chosen, 'before': statement.next_cursor})}" if statement.next_cursor else None
        newest = f"/earnings{'?' if chosen else ''}{urlencode(chosen)}" if before is not None else None
        return page(
            request,
            "earnings.html",
            lines=statement.lines,
            balance=ledger.member_balance(member),
            chart=earnings_chart(earnings_by_month(ledger, member, start, end)),
            period=period,
            errors={},
            older=older,
            newest=newest,
        )

    @get("/licenses", guards=[auth.buyer_or_steward], sync_to_thread=True)
    def licenses(
        self,
        request: Req,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        revenue: NamedDependency[RevenueService],
        withdrawals: NamedDependency[WithdrawalService],
        done: FromQuery[str | None] = None,
    ) -> Template:
        licenses = datasets.licenses(principal)
        events: dict[str, list[Any]] = {}
        for license in licenses:
            events[license.id] = revenue.events(license.id)
        unread = withdrawals.unread_counts(principal)  # the organisation's unread withdrawal notices
        return page(request, "licenses.html", licenses=licenses, events=events, unread=unread, done=done)

    @post("/licenses/{license_id:str}/revenue", guards=[auth.buyer_or_steward], sync_to_thread=True)
    def report(
        self,
        request: Req,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        revenue: NamedDependency[RevenueService],
        license_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        try:
            license = datasets.license_of(principal, license_id)
            amount = parse_major(text_value(data, "amount"), license.currency, "revenue", AMOUNT_MAX)
            reported = revenue.report_downstream(
                principal,
                license_id,
                amount,
                license.currency,
                text_value(data, "description"),
                text_value(data, "idempotency_key"),
            )
        except USER_ERRORS as error:
            return page(
                request, "error.html", status_code=status_for(error), status=status_for(error), detail=str(error)
            )
        if reported.pending:
            return redirect_done(
                "/second-hand", "Revenue reported: nothing is posted or shared until another steward confirms it."
            )
        return redirect_done("/licenses", "Revenue reported and shared.")

    @get("/payouts", guards=[auth.member], sync_to_thread=True)
    def payouts(
        self,
        request: Req,
        principal: SignedIn,
        payouts: NamedDependency[PayoutService],
        done: FromQuery[str | None] = None,
    ) -> Template:
        """Every run with its lines and total before it is paid (members see what stewards propose),
        and the member's own payouts with their status; stewards propose, approve, send from here."""
        runs = [(view, payouts.lines(view.id)) for view in payouts.run_views()]
        mine = payouts.member_lines(principal.account_id)
        return page(request, "payouts.html", runs=runs, mine=mine, done=done)

    @post("/payouts", guards=[auth.steward], sync_to_thread=True)
    def run_payouts(
        self, request: Req, principal: SignedIn, payouts: NamedDependency[PayoutService], data: Form
    ) -> Template | Redirect:
        try:
            currency = check_currency(text_value(data, "currency").strip().upper())
            minimum = parse_major(text_value(data, "minimum"), currency, "the minimum", AMOUNT_MAX)
            payouts.propose(principal, currency, minimum, text_value(data, "idempotency_key"))
        except USER_ERRORS as error:
            return page(
                request, "error.html", status_code=status_for(error), status=status_for(error), detail=str(error)
            )
        return redirect_done("/payouts", "Payout run proposed: another steward approves it before anything is paid.")

    @post("/payouts/{run_id:str}/approve", guards=[auth.steward], sync_to_thread=True)
    def approve(
        self,
        request: Req,
        principal: SignedIn,
        payouts: NamedDependency[PayoutService],
        run_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        try:
            payouts.approve_with_password(principal, run_id, text_value(data, "password"))
        except USER_ERRORS as error:
            return page(
                request, "error.html", status_code=status_for(error), status=status_for(error), detail=str(error)
            )
        return redirect_done("/payouts", "Approval signed and logged.")

    @post("/payouts/{run_id:str}/sent", guards=[auth.steward], sync_to_thread=True)
    def sent(
        self, request: Req, principal: SignedIn, payouts: NamedDependency[PayoutService], run_id: FromPath[str]
    ) -> Template | Redirect:
        try:
            payouts.mark_sent(principal, run_id)
        except USER_ERRORS as error:
            return page(
                request, "error.html", status_code=status_for(error), status=status_for(error), detail=str(error)
            )
        return redirect_done("/payouts", "Run marked sent to the bank.")

    @get("/payouts/{run_id:str}/csv", guards=[auth.steward], sync_to_thread=True)
    def payout_csv(self, payouts: NamedDependency[PayoutService], run_id: FromPath[str]) -> Response[str]:
        return Response(
            payouts.export_csv(run_id),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="payouts-{run_id}.csv"'},
        )

    @post("/payouts/outcome/{payout_id:int}", guards=[auth.steward], sync_to_thread=True)
    def outcome(
        self, request: Req, principal: SignedIn, payouts: NamedDependency[PayoutService], payout_id: RowId, data: Form
    ) -> Template | Redirect:
        try:
            payouts.record_outcome(principal, payout_id, text_value(data, "outcome"))
        except USER_ERRORS as error:
            return page(
                request, "error.html", status_code=status_for(error), status=status_for(error), detail=str(error)
            )
        return redirect_done("/payouts", "Outcome recorded.")
