"""JSON API for lineage and verification bundles."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from coop.datasets.license_access import check_license_reader
from coop.datasets.service import DatasetService
from coop.lineage.bundle import LogAndDatabase, build_bundle, license_report, license_report_judgments
from coop.lineage.gather import contribution_chain, release_lineage
from web import auth
from web.auth import SignedIn
from web.inputs import LogIndex
from web.portal.lineage import bundle_response, report_judgments_response, report_response


class LineageApi(Controller):
    path = "/api"
    tags = ["lineage"]
    guards = [auth.signed_in]

    @get(
        "/releases/{release_id:str}/lineage",
        summary="Every item of a release with its chain of log entries",
        sync_to_thread=True,
    )
    def release(self, lineage: NamedDependency[LogAndDatabase], release_id: FromPath[str]) -> dict[str, Any]:
        found = release_lineage(lineage.engine, release_id)
        return {
            "release": found.release_id,
            "title": found.title,
            "release_entry": found.release_entry,
            "manifest": found.manifest,
            "policy_entries": found.policy_entries,
            "entries": found.entries(),
            "items": [
                {
                    "acceptance_entry": i.acceptance_entry,
                    "task_entry": i.task_entry,
                    "revocation_entry": i.revocation_entry,
                    "accepted": i.accepted,
                    "task": i.task,
                }
                for i in found.items
            ],
        }

    @get(
        "/lineage/entries/{entry:int}",
        summary="One contribution's chain: statement, acceptance, releases, licenses",
        sync_to_thread=True,
    )
    def chain(self, principal: SignedIn, lineage: NamedDependency[LogAndDatabase], entry: LogIndex) -> dict[str, Any]:
        return asdict(contribution_chain(lineage.engine, entry, principal.org_id, principal.is_steward))

    @get(
        "/releases/{release_id:str}/bundle",
        summary="Verification bundle of a release (check with `coop verify`)",
        sync_to_thread=True,
    )
    def release_bundle(self, lineage: NamedDependency[LogAndDatabase], release_id: FromPath[str]) -> Response[bytes]:
        return bundle_response(build_bundle(lineage, release_id), f"release-{release_id}.bundle")

    @get(
        "/licenses/{license_id:str}/bundle",
        guards=[auth.buyer_or_steward],
        summary="Verification bundle of a license",
        sync_to_thread=True,
    )
    def license_bundle(
        self,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        lineage: NamedDependency[LogAndDatabase],
        license_id: FromPath[str],
    ) -> Response[bytes]:
        license = datasets.license_of(principal, license_id)
        return bundle_response(build_bundle(lineage, license.release_id, license.id), f"license-{license_id}.bundle")

    @get(
        "/licenses/{license_id:str}/report",
        guards=[auth.buyer_or_steward],
        summary="The license's compliance report: EU AI Act Art. 53(1)(d) summary fields and fair-work "
        "evidence, as canonical JSON whose SHA-256 the license's bundle signs (`coop verify --report`)",
        sync_to_thread=True,
    )
    def license_report(
        self,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        lineage: NamedDependency[LogAndDatabase],
        license_id: FromPath[str],
    ) -> Response[bytes]:
        check_license_reader(lineage.engine, principal, license_id, "the report")
        license = datasets.license_of(principal, license_id)
        return report_response(license_report(lineage, license.release_id, license.id), license.id)

    @get(
        "/licenses/{license_id:str}/report/judgments.jsonl",
        guards=[auth.buyer_or_steward],
        summary="The license report's judgments file: each included judgment's pay per hour against the floor, "
        "one canonical JSON line per judgment in entry order, whose count, size and SHA-256 the report states "
        "(`coop verify --report-judgments`)",
        sync_to_thread=True,
    )
    def license_report_judgments(
        self,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        lineage: NamedDependency[LogAndDatabase],
        license_id: FromPath[str],
    ) -> Stream:
        license = datasets.license_of(principal, license_id)
        return report_judgments_response(license_report_judgments(lineage, license.release_id, license.id), license.id)


LINEAGE_API = [LineageApi]
