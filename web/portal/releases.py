"""Portal pages of the buyer's side: the catalog, a release as a product, and the checkout.

Checkout is four steps, each a page a buyer can come back to: the release page (what is sold: the
items' kinds and answer schema, a sample with its judgments, the terms, the price) → the consent
check for the buyer's declared uses and sector (how many items pass) → the terms page (the exact
item count and total, the terms text and version, a fresh idempotency key) → the confirmation, which
grants one license and shows its receipt. A double click, a reload of the confirmation or a retried
request carry the same key and land on the same license; a second license of a release the
organisation already holds needs the "license again" box ticked (coop.datasets.service.license).
Amounts are typed and shown in major units; they become minor units here, once
(coop.kernel.money.parse_major).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from coop.datasets.checkout import Confirmation
from coop.datasets.service import DatasetService
from coop.datasets.storefront import Storefront
from coop.datasets.terms import TERMS, terms
from coop.kernel.errors import NotFound, Refused
from coop.kernel.money import check_currency, parse_major
from coop.rules import consent
from coop.rules.consent import SECTORS, USES
from coop.work.tasks import TaskService
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.inputs import AMOUNT_MAX
from web.portal.common import Form, Req, int_value, is_htmx, list_value, page, redirect_done, text_value


def declared(uses: list[str] | None, sector: str | None) -> tuple[list[str], str | None]:
    """A buyer's declaration from a form or query: "other" (no listed sector) is kept as given."""
    return list(uses or []), (sector or None)


class ReleasePages(Controller):
    include_in_schema = False

    @staticmethod
    def _catalog(
        request: Req,
        principal: SignedIn,
        datasets: DatasetService,
        storefront: Storefront,
        tasks: TaskService,
        status: int = 200,
        **extra: Any,
    ) -> Template:
        return page(
            request,
            "releases.html",
            status_code=status,
            releases=datasets.releases(),
            owned=storefront.owned(principal),
            tasks=tasks.list(None),
            uses=USES,
            **extra,
        )

    @get("/releases", guards=[auth.signed_in], sync_to_thread=True)
    def releases(
        self,
        request: Req,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        storefront: NamedDependency[Storefront],
        tasks: NamedDependency[TaskService],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return self._catalog(request, principal, datasets, storefront, tasks, errors={}, done=done, form={})

    @post("/releases", guards=[auth.steward], sync_to_thread=True)
    def cut(
        self,
        request: Req,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        storefront: NamedDependency[Storefront],
        tasks: NamedDependency[TaskService],
        data: Form,
    ) -> Template | Redirect:
        try:
            currency = check_currency(text_value(data, "currency").strip().upper())
            price = parse_major(text_value(data, "price"), currency, "the price", AMOUNT_MAX)
            release = datasets.cut_release(
                principal,
                text_value(data, "title"),
                text_value(data, "description"),
                list_value(data, "task_ids"),
                list_value(data, "intended_uses"),
                price,
                currency,
            )
        except USER_ERRORS as error:
            return self._catalog(
                request,
                principal,
                datasets,
                storefront,
                tasks,
                status_for(error),
                errors={"_form": str(error)},
                done=None,
                form={k: text_value(data, k) for k in ("title", "description", "price", "currency")},
            )
        return redirect_done(f"/releases/{release.id}", "The release is signed and published.")

    @get("/releases/{release_id:str}", guards=[auth.signed_in], sync_to_thread=True)
    def release(
        self,
        request: Req,
        principal: SignedIn,
        storefront: NamedDependency[Storefront],
        release_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return self._release_page(request, principal, storefront, release_id, done=done)

    @staticmethod
    def _release_page(
        request: Req, principal: SignedIn, storefront: Storefront, release_id: str, status: int = 200, **extra: Any
    ) -> Template:
        show = storefront.showcase(principal, release_id)
        return page(
            request,
            "release.html",
            status_code=status,
            r=show.release,
            show=show,
            uses=USES,
            sectors=SECTORS,
            reasons=consent.REASONS,
            **extra,
        )

    @get("/releases/{release_id:str}/check", guards=[auth.signed_in], sync_to_thread=True)
    def check(
        self,
        request: Req,
        principal: SignedIn,
        storefront: NamedDependency[Storefront],
        release_id: FromPath[str],
        uses: FromQuery[list[str] | None] = None,
        sector: FromQuery[str] = "other",
    ) -> Template:
        """How many items pass the consent check for the declared uses and sector, and their total."""
        context: dict[str, Any] = {"reasons": consent.REASONS}
        try:
            context["quote"] = storefront.quote(principal, release_id, *declared(uses, sector))
            status = 200
        except USER_ERRORS as error:
            context["check_error"], status = str(error), status_for(error)
        if is_htmx(request):
            return page(request, "partials/consent_check.html", status_code=status, **context)
        return self._release_page(request, principal, storefront, release_id, status, **context)

    @get("/releases/{release_id:str}/terms", guards=[auth.buyer], sync_to_thread=True)
    def terms_page(
        self,
        request: Req,
        principal: SignedIn,
        storefront: NamedDependency[Storefront],
        release_id: FromPath[str],
        uses: FromQuery[list[str] | None] = None,
        sector: FromQuery[str] = "other",
    ) -> Template:
        """The terms with the exact count and total, and the confirmation form. Its idempotency key is
        made here, once per rendering: every submission of this form is the same request."""
        quote = storefront.quote(principal, release_id, *declared(uses, sector))
        if not quote.check.licensable:
            raise Refused("no item of this release passes the consent check for these uses and sector")
        show = storefront.showcase(principal, release_id)
        return page(request, "checkout.html", r=show.release, quote=quote, idempotency_key=uuid.uuid4().hex, errors={})

    @post("/releases/{release_id:str}/license", guards=[auth.buyer], sync_to_thread=True)
    def license(
        self,
        request: Req,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        release_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        try:
            if text_value(data, "accept_terms") != "yes":
                raise Refused("tick the box to accept the license terms: nothing is licensed without it")
            confirmed = Confirmation(
                int_value(data, "terms_version", "the terms version"),
                int_value(data, "items", "the item count"),
                int_value(data, "total", "the total (minor units)", AMOUNT_MAX),
            )
            license = datasets.license(
                principal,
                release_id,
                list_value(data, "uses"),
                text_value(data, "sector") or None,
                True,  # the terms page showed the exact count of consenting items, and it is confirmed
                text_value(data, "idempotency_key"),
                again=text_value(data, "again") == "yes",
                confirmed=confirmed,
            )
        except USER_ERRORS as error:
            return page(
                request, "error.html", status_code=status_for(error), status=status_for(error), detail=str(error)
            )
        return redirect_done(
            f"/licenses/{license.id}/receipt", "Licensed: the sale is shared with the people who made the data."
        )

    @get("/licenses/{license_id:str}/receipt", guards=[auth.buyer_or_steward], sync_to_thread=True)
    def receipt(
        self,
        request: Req,
        principal: SignedIn,
        storefront: NamedDependency[Storefront],
        license_id: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        """The license as an invoice: a printable page (its JSON: /api/licenses/{id}/receipt)."""
        return page(request, "receipt.html", receipt=storefront.receipt(principal, license_id), done=done)

    @get("/license-terms/{version:int}", guards=[auth.signed_in], sync_to_thread=True)
    def license_terms(self, request: Req, version: FromPath[int]) -> Template:
        if version not in TERMS:
            raise NotFound(f"no license terms version {version}; versions: {', '.join(map(str, sorted(TERMS)))}")
        return page(request, "license_terms.html", terms=terms(version))
