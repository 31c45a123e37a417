"""Lineage pages and bundle downloads, for buyers, members and stewards."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream, Template

from coop.datasets.license_access import check_license_reader
from coop.datasets.service import DatasetService
from coop.kernel.settings import Settings
from coop.lineage.bundle import LogAndDatabase, build_bundle, license_report, license_report_judgments
from coop.lineage.croissant import croissant_metadata, items_jsonl
from coop.lineage.gather import contribution_chain, release_lineage
from coop.lineage.prov_export import prov_document
from coop.lineage.verify import BundleInvalid, verify_bundle
from web import auth
from web.auth import SignedIn
from web.inputs import LogIndex
from web.portal.common import Req, page

DATA_FILE_ACCESS = (
    "For programs as for browsers: a portal session or an API token (`Authorization: Bearer …`) "
    "reads it; without either the answer is 401 with a JSON body, never a redirect to the sign-in page "
    "(web.errors), so a client such as mlcroissant follows the Croissant metadata's URLs as served."
)


def bundle_response(text: str, name: str) -> Response[bytes]:
    return Response(
        text.encode("utf-8"),
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def report_response(data: bytes, license_id: str) -> Response[bytes]:
    """The report's exact canonical bytes (never re-encoded: the bundle signs their SHA-256)."""
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'inline; filename="license-{license_id}.report.json"'},
    )


def report_judgments_response(pieces: Iterator[bytes], license_id: str) -> Stream:
    """The report's judgments file, streamed as written: its exact bytes, whose SHA-256 the report states."""
    return Stream(
        pieces,
        media_type="application/jsonlines",
        headers={"Content-Disposition": f'attachment; filename="license-{license_id}.judgments.jsonl"'},
    )


class LineagePages(Controller):
    guards = [auth.signed_in]
    include_in_schema = False

    @get("/releases/{release_id:str}/lineage", sync_to_thread=True)
    def release(self, request: Req, lineage: NamedDependency[LogAndDatabase], release_id: FromPath[str]) -> Template:
        found = release_lineage(lineage.engine, release_id)
        try:
            report: Any = verify_bundle(
                build_bundle(lineage, release_id).encode("utf-8"), trusted_key=lineage.log.verifier_key
            )
            problem = None
        except BundleInvalid as error:
            report, problem = None, str(error)
        return page(
            request,
            "lineage.html",
            lineage=found,
            report=report,
            problem=problem,
            checkpoint=lineage.log.latest_checkpoint(),
        )

    @get("/lineage/entries/{entry:int}", sync_to_thread=True)
    def chain(
        self, request: Req, principal: SignedIn, lineage: NamedDependency[LogAndDatabase], entry: LogIndex
    ) -> Template:
        chain = contribution_chain(lineage.engine, entry, principal.org_id, principal.is_steward)
        return page(request, "chain.html", chain=chain)

    @get(
        "/releases/{release_id:str}/items.jsonl",
        include_in_schema=True,
        tags=["lineage"],
        summary="The release's item records as JSON Lines (the Croissant distribution's contentUrl)",
        description=DATA_FILE_ACCESS,
        media_type="application/jsonl",
        sync_to_thread=True,
    )
    def items(self, lineage: NamedDependency[LogAndDatabase], release_id: FromPath[str]) -> Response[bytes]:
        """The records file the Croissant metadata describes (and checksums)."""
        return Response(items_jsonl(release_lineage(lineage.engine, release_id)), media_type="application/jsonl")

    @get(
        "/releases/{release_id:str}/croissant.json",
        include_in_schema=True,
        tags=["lineage"],
        summary="Croissant 1.0 metadata (with RAI 1.0) of the release; mlcroissant loads its records",
        description=DATA_FILE_ACCESS,
        media_type="application/ld+json",
        sync_to_thread=True,
    )
    def croissant(
        self, lineage: NamedDependency[LogAndDatabase], settings: NamedDependency[Settings], release_id: FromPath[str]
    ) -> Response[dict[str, Any]]:
        metadata = croissant_metadata(
            release_lineage(lineage.engine, release_id), settings.public_url, lineage.log.origin
        )
        return Response(metadata, media_type="application/ld+json")

    @get(
        "/releases/{release_id:str}/prov.json",
        include_in_schema=True,
        tags=["lineage"],
        summary="The release's lineage as W3C PROV-JSON",
        description=DATA_FILE_ACCESS,
        media_type="application/json",
        sync_to_thread=True,
    )
    def prov(self, lineage: NamedDependency[LogAndDatabase], release_id: FromPath[str]) -> Response[dict[str, Any]]:
        return Response(prov_document(release_lineage(lineage.engine, release_id)), media_type="application/json")

    @get("/releases/{release_id:str}/bundle", sync_to_thread=True)
    def release_bundle(self, lineage: NamedDependency[LogAndDatabase], release_id: FromPath[str]) -> Response[bytes]:
        return bundle_response(build_bundle(lineage, release_id), f"release-{release_id}.bundle")

    @get("/licenses/{license_id:str}/bundle", guards=[auth.buyer_or_steward], sync_to_thread=True)
    def license_bundle(
        self,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        lineage: NamedDependency[LogAndDatabase],
        license_id: FromPath[str],
    ) -> Response[bytes]:
        license = datasets.license_of(principal, license_id)
        return bundle_response(build_bundle(lineage, license.release_id, license.id), f"license-{license_id}.bundle")

    @get("/licenses/{license_id:str}/report.json", guards=[auth.buyer_or_steward], sync_to_thread=True)
    def license_report_json(
        self,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        lineage: NamedDependency[LogAndDatabase],
        license_id: FromPath[str],
    ) -> Response[bytes]:
        """The report's JSON for a portal session (the API serves the same bytes to a token)."""
        check_license_reader(lineage.engine, principal, license_id, "the report")
        license = datasets.license_of(principal, license_id)
        return report_response(license_report(lineage, license.release_id, license.id), license.id)

    @get("/licenses/{license_id:str}/report/judgments.jsonl", guards=[auth.buyer_or_steward], sync_to_thread=True)
    def license_report_judgments(
        self,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        lineage: NamedDependency[LogAndDatabase],
        license_id: FromPath[str],
    ) -> Stream:
        """The report's per-judgment pay rows for a portal session (the API serves the same bytes)."""
        license = datasets.license_of(principal, license_id)
        return report_judgments_response(license_report_judgments(lineage, license.release_id, license.id), license.id)

    @get("/licenses/{license_id:str}/report", guards=[auth.buyer_or_steward], sync_to_thread=True)
    def license_report(
        self,
        request: Req,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        lineage: NamedDependency[LogAndDatabase],
        license_id: FromPath[str],
    ) -> Template:
        """The printable report for a compliance file; the same facts as the JSON, which it links."""
        check_license_reader(lineage.engine, principal, license_id, "the report")
        license = datasets.license_of(principal, license_id)
        data = license_report(lineage, license.release_id, license.id)
        return page(
            request,
            "license_report.html",
            license=license,
            report=json.loads(data),
            sha256=hashlib.sha256(data).hexdigest(),
            checkpoint=lineage.log.latest_checkpoint(),
        )
