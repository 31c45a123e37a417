"""JSON API of the buyer's checkout, one call per portal step: what a release sells (its tasks'
answer schemas and its sample), the quote for declared uses and sector, the license terms, and a
license's receipt. The confirmation itself is POST /api/licenses (web.api_money)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from coop.datasets.storefront import Storefront
from coop.datasets.terms import TERMS, terms
from coop.kernel.errors import NotFound
from web import auth
from web.auth import SignedIn


class CheckoutApi(Controller):
    path = "/api"
    tags = ["money"]

    @get(
        "/releases/{release_id:str}/showcase",
        guards=[auth.signed_in],
        summary="What a release sells: its tasks with their answer schemas, its sample, the terms in force",
        sync_to_thread=True,
    )
    def showcase(
        self, principal: SignedIn, storefront: NamedDependency[Storefront], release_id: FromPath[str]
    ) -> dict[str, Any]:
        show = storefront.showcase(principal, release_id)
        return {
            "release_id": show.release.id,
            "item_count": show.release.item_count,
            "price": {"amount": show.release.price, "currency": show.release.currency},
            "task_kinds": show.kinds,
            "tasks": [asdict(t) for t in show.tasks],
            "sample": [asdict(s) for s in show.sample],
            "withdrawn_from_sample": show.withdrawn_from_sample,
            "terms": {"version": show.terms.version, "sha256": show.terms.sha256},
            "licenses_held": show.licenses_held,
        }

    @get(
        "/releases/{release_id:str}/quote",
        guards=[auth.signed_in],
        summary="A quote: the items that pass the consent check for declared uses and sector, their total, "
        "the license terms version",
        sync_to_thread=True,
    )
    def quote(
        self,
        principal: SignedIn,
        storefront: NamedDependency[Storefront],
        release_id: FromPath[str],
        uses: FromQuery[list[str]],
        sector: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        return storefront.quote(principal, release_id, uses, sector).as_dict()

    @get(
        "/license-terms/{version:int}",
        summary="A version of the license terms: its text and the SHA-256 a license commits",
        guards=[auth.signed_in],
        sync_to_thread=True,
    )
    def license_terms(self, version: FromPath[int]) -> dict[str, Any]:
        if version not in TERMS:
            raise NotFound(f"no license terms version {version}; versions: {', '.join(map(str, sorted(TERMS)))}")
        return asdict(terms(version))

    @get(
        "/licenses/{license_id:str}/receipt",
        guards=[auth.buyer_or_steward],
        summary="A license's receipt (the licensee's organisation and stewards)",
        sync_to_thread=True,
    )
    def receipt(
        self, principal: SignedIn, storefront: NamedDependency[Storefront], license_id: FromPath[str]
    ) -> dict[str, Any]:
        return storefront.receipt(principal, license_id).as_dict()


CHECKOUT_API = [CheckoutApi]
