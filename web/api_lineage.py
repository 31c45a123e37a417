"""JSON API for lineage and verification bundles."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from coop.lineage.bundle import build_bundle
from coop.lineage.gather import contribution_chain, release_lineage
from web.runtime import Runtime
from web import auth
from web.api_members import Req
from web.inputs import LogIndex
from web.portal.lineage import bundle_response


class LineageApi(Controller):
    path = "/api"
    tags = ["lineage"]
    guards = [auth.signed_in]

    @get("/releases/{release_id:str}/lineage", summary="Every item of a release with its chain of log entries", sync_to_thread=True)
    def release(self, runtime: NamedDependency[Runtime], release_id: FromPath[str]) -> dict[str, Any]:
        lineage = release_lineage(runtime.engine, release_id)
        return {
            "release": lineage.release_id, "title": lineage.title, "release_entry": lineage.release_entry, "manifest": lineage.manifest,
            "policy_entries": lineage.policy_entries, "entries": lineage.entries(),
            "items": [{"acceptance_entry": i.acceptance_entry, "task_entry": i.task_entry, "revocation_entry": i.revocation_entry,
                       "accepted": i.accepted, "task": i.task} for i in lineage.items],
        }

    @get("/lineage/entries/{entry:int}", summary="One contribution's chain: statement, acceptance, releases, licenses", sync_to_thread=True)
    def chain(self, request: Req, runtime: NamedDependency[Runtime], entry: LogIndex) -> dict[str, Any]:
        user = request.user
        assert user is not None
        return asdict(contribution_chain(runtime.engine, entry, user.org_id, user.is_steward))

    @get("/releases/{release_id:str}/bundle", summary="Verification bundle of a release (check with `coop verify`)", sync_to_thread=True)
    def release_bundle(self, runtime: NamedDependency[Runtime], release_id: FromPath[str]) -> Response[bytes]:
        return bundle_response(build_bundle(runtime, release_id), f"release-{release_id}.bundle")

    @get("/licenses/{license_id:str}/bundle", guards=[auth.buyer_or_steward], summary="Verification bundle of a license", sync_to_thread=True)
    def license_bundle(self, request: Req, runtime: NamedDependency[Runtime], license_id: FromPath[str]) -> Response[bytes]:
        license = runtime.datasets.license_of(request.user, license_id)  # type: ignore[arg-type]
        return bundle_response(build_bundle(runtime, license.release_id, license.id), f"license-{license_id}.bundle")


LINEAGE_API = [LineageApi]
