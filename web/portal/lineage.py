"""Lineage pages and bundle downloads, for buyers, members and stewards."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from coop.lineage.bundle import build_bundle
from coop.lineage.croissant import croissant_metadata, items_jsonl
from coop.lineage.prov_export import prov_document
from coop.lineage.gather import contribution_chain, release_lineage
from coop.lineage.verify import BundleInvalid, verify_bundle
from web.runtime import Runtime
from web import auth
from web.inputs import LogIndex
from web.portal.common import Req, page


def bundle_response(text: str, name: str) -> Response[bytes]:
    return Response(text.encode("utf-8"), media_type="application/octet-stream", headers={"Content-Disposition": f'attachment; filename="{name}"'})


class LineagePages(Controller):
    guards = [auth.signed_in]
    include_in_schema = False

    @get("/releases/{release_id:str}/lineage", sync_to_thread=True)
    def release(self, request: Req, runtime: NamedDependency[Runtime], release_id: FromPath[str]) -> Template:
        lineage = release_lineage(runtime.engine, release_id)
        try:
            report: Any = verify_bundle(build_bundle(runtime, release_id).encode("utf-8"), trusted_key=runtime.log.verifier_key)
            problem = None
        except BundleInvalid as error:
            report, problem = None, str(error)
        return page(request, "lineage.html", lineage=lineage, report=report, problem=problem, checkpoint=runtime.log.latest_checkpoint())

    @get("/lineage/entries/{entry:int}", sync_to_thread=True)
    def chain(self, request: Req, runtime: NamedDependency[Runtime], entry: LogIndex) -> Template:
        user = request.user
        assert user is not None
        chain = contribution_chain(runtime.engine, entry, user.org_id, user.is_steward)
        return page(request, "chain.html", chain=chain)

    @get("/releases/{release_id:str}/items.jsonl", sync_to_thread=True)
    def items(self, runtime: NamedDependency[Runtime], release_id: FromPath[str]) -> Response[bytes]:
        """The records file the Croissant metadata describes (and checksums)."""
        return Response(items_jsonl(release_lineage(runtime.engine, release_id)), media_type="application/jsonl")

    @get("/releases/{release_id:str}/croissant.json", sync_to_thread=True)
    def croissant(self, runtime: NamedDependency[Runtime], release_id: FromPath[str]) -> Response[dict[str, Any]]:
        lineage = release_lineage(runtime.engine, release_id)
        metadata = croissant_metadata(lineage, runtime.settings.public_url, runtime.log.origin)
        return Response(metadata, media_type="application/ld+json")

    @get("/releases/{release_id:str}/prov.json", sync_to_thread=True)
    def prov(self, runtime: NamedDependency[Runtime], release_id: FromPath[str]) -> Response[dict[str, Any]]:
        return Response(prov_document(release_lineage(runtime.engine, release_id)), media_type="application/json")

    @get("/releases/{release_id:str}/bundle", sync_to_thread=True)
    def release_bundle(self, runtime: NamedDependency[Runtime], release_id: FromPath[str]) -> Response[bytes]:
        return bundle_response(build_bundle(runtime, release_id), f"release-{release_id}.bundle")

    @get("/licenses/{license_id:str}/bundle", guards=[auth.buyer_or_steward], sync_to_thread=True)
    def license_bundle(self, request: Req, runtime: NamedDependency[Runtime], license_id: FromPath[str]) -> Response[bytes]:
        license = runtime.datasets.license_of(request.user, license_id)  # type: ignore[arg-type]
        return bundle_response(build_bundle(runtime, license.release_id, license.id), f"license-{license_id}.bundle")
