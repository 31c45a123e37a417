"""JSON API for releases, consent checks, licenses, revenue reports, earnings and books (payouts: web.api_payouts)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Meta

from coop.datasets.checkout import Confirmation
from coop.datasets.revenue import RevenueService
from coop.datasets.service import DatasetService
from coop.kernel.errors import Refused
from ledger.beancount_export import export
from ledger.service import LedgerService
from ledger.statements import earnings_by_month, statement_page
from web import auth
from web.auth import SignedIn
from web.inputs import AMOUNT_MAX, SMALL_MAX, Amount, OptionalRowId
from web.periods import statement_period

API_PAGE = 1_000  # transactions per page of a statement, unless the client asks for fewer or more
API_PAGE_MAX = 10_000


class ReleaseIn(msgspec.Struct):
    title: str
    task_ids: list[str]
    intended_uses: list[str]
    price: Amount
    currency: str
    description: str = ""


class LicenseIn(msgspec.Struct):
    """A checkout's confirmation: the quote (GET /api/releases/{id}/quote) the buyer accepts.
    `terms_version`, `items` and `total` must be the quote's as it stands now, else 409."""

    release_id: str
    uses: list[str]
    idempotency_key: str
    terms_version: Annotated[int, Meta(ge=1, le=SMALL_MAX, description="the license terms version accepted")]
    items: Annotated[int, Meta(ge=1, le=SMALL_MAX, description="the quote's licensable item count")]
    total: Annotated[int, Meta(ge=0, le=AMOUNT_MAX, description="the quote's total, minor units")]
    sector: str | None = None
    accept_subset: bool = False
    again: Annotated[
        bool,
        Meta(
            description="the organisation already holds a license of this release and chooses another "
            "(new declared uses, a new seat); without it a second license is a 409"
        ),
    ] = False


class RevenueIn(msgspec.Struct):
    amount: Amount
    idempotency_key: str
    description: str = "downstream revenue"


def _dated(obj: Any) -> dict[str, Any]:
    data = asdict(obj)
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}


class MoneyApi(Controller):
    path = "/api"
    tags = ["money"]

    @get("/releases", guards=[auth.signed_in], summary="Published releases (the catalog)", sync_to_thread=True)
    def releases(self, datasets: NamedDependency[DatasetService]) -> list[dict[str, Any]]:
        return [_dated(r) for r in datasets.releases()]

    @post("/releases", guards=[auth.steward], summary="Cut and publish a release", sync_to_thread=True)
    def cut(
        self, principal: SignedIn, datasets: NamedDependency[DatasetService], data: JSONBody[ReleaseIn]
    ) -> dict[str, Any]:
        return _dated(
            datasets.cut_release(
                principal, data.title, data.description, data.task_ids, data.intended_uses, data.price, data.currency
            )
        )

    @get("/releases/{release_id:str}", guards=[auth.signed_in], sync_to_thread=True)
    def release(self, datasets: NamedDependency[DatasetService], release_id: FromPath[str]) -> dict[str, Any]:
        return _dated(datasets.release(release_id))

    @get(
        "/releases/{release_id:str}/check",
        guards=[auth.signed_in],
        summary="Consent check for a declared use",
        sync_to_thread=True,
    )
    def check(
        self,
        datasets: NamedDependency[DatasetService],
        release_id: FromPath[str],
        uses: FromQuery[list[str]],
        sector: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        return asdict(datasets.check(release_id, uses, sector))

    @get(
        "/licenses", guards=[auth.signed_in], summary="My organisation's licenses (stewards: all)", sync_to_thread=True
    )
    def licenses(self, principal: SignedIn, datasets: NamedDependency[DatasetService]) -> list[dict[str, Any]]:
        return [_dated(lic) for lic in datasets.licenses(principal)]

    @post(
        "/licenses",
        guards=[auth.buyer],
        summary="Confirm a quote: license a release (or its consenting subset), once",
        description="Send the quote's `terms_version`, `items` and `total` (GET /api/releases/{id}/quote) and an "
        "idempotency key: a retry with the same key returns the same license and posts no second sale. A stale "
        "quote (consent withdrawn, new terms) is a 409, and so is a second license of a release the organisation "
        "holds unless `again` is true.",
        sync_to_thread=True,
    )
    def license(
        self, principal: SignedIn, datasets: NamedDependency[DatasetService], data: JSONBody[LicenseIn]
    ) -> dict[str, Any]:
        return _dated(
            datasets.license(
                principal,
                data.release_id,
                data.uses,
                data.sector,
                data.accept_subset,
                data.idempotency_key,
                again=data.again,
                confirmed=Confirmation(data.terms_version, data.items, data.total),
            )
        )

    @post(
        "/licenses/{license_id:str}/revenue",
        guards=[auth.buyer_or_steward],
        summary="Report downstream revenue: a buyer's own is shared at once; a steward's waits for a second steward",
        sync_to_thread=True,
    )
    def revenue(
        self,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        revenue: NamedDependency[RevenueService],
        license_id: FromPath[str],
        data: JSONBody[RevenueIn],
    ) -> dict[str, Any]:
        license = datasets.license_of(principal, license_id)
        reported = revenue.report_downstream(
            principal, license_id, data.amount, license.currency, data.description, data.idempotency_key
        )
        if reported.pending:
            return {
                "revenue_event": None,
                "pending_report": reported.report_id,
                "status": "pending",
                "reason": "reported by a steward: nothing is posted or shared until another steward confirms it "
                f"(POST /api/revenue-reports/{reported.report_id}/confirmations)",
            }
        return {"revenue_event": reported.event_id, "pending_report": None, "status": "posted"}

    @get(
        "/me/earnings",
        guards=[auth.member],
        summary="My statement: every payment with its arithmetic, a page at a time, optionally for a period",
        description="Oldest first. `since` and `until` are dates (YYYY-MM-DD, UTC), both included; "
        "without them, everything. "
        f"A page holds the lines of up to `limit` transactions (default {API_PAGE}, at most {API_PAGE_MAX}); "
        "`next_after` is null on the last page, else pass it as `after` for the next.",
        sync_to_thread=True,
    )
    def earnings(
        self,
        principal: SignedIn,
        ledger: NamedDependency[LedgerService],
        since: FromQuery[str | None] = None,
        until: FromQuery[str | None] = None,
        after: OptionalRowId = None,
        limit: FromQuery[int] = API_PAGE,
    ) -> dict[str, Any]:
        member = principal.account_id
        start, end = statement_period(since, until)
        if not 1 <= limit <= API_PAGE_MAX:
            raise Refused(f"limit is a number of transactions from 1 to {API_PAGE_MAX}, not {limit}")
        page = statement_page(ledger, member, start, end, cursor=after, limit=limit)
        lines = [{**line._asdict(), "at": line.at.isoformat()} for line in page.lines]  # no deep copy of the arithmetic
        return {"owed": ledger.member_balance(member), "lines": lines, "next_after": page.next_cursor}

    @get(
        "/me/earnings/months",
        guards=[auth.member],
        summary="My earnings per month and currency, optionally for a period",
        description="Base pay and revenue shares, less reversals of them; payouts are not earnings. "
        "Dates as for /api/me/earnings.",
        sync_to_thread=True,
    )
    def earnings_months(
        self,
        principal: SignedIn,
        ledger: NamedDependency[LedgerService],
        since: FromQuery[str | None] = None,
        until: FromQuery[str | None] = None,
    ) -> list[dict[str, Any]]:
        start, end = statement_period(since, until)
        return [
            {"month": month, "currency": currency, "earned": amount}
            for month, currency, amount in earnings_by_month(ledger, principal.account_id, start, end)
        ]

    @get(
        "/books.beancount",
        guards=[auth.steward],
        summary="The whole journal as a Beancount ledger",
        sync_to_thread=True,
    )
    def books(self, ledger: NamedDependency[LedgerService]) -> Response[str]:
        return Response(
            "".join(export(ledger.accounts(), ledger.transactions())), media_type="text/plain; charset=utf-8"
        )


MONEY_API = [MoneyApi]
