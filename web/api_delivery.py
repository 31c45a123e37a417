"""Delivery routes: a license's files (list, streamed download) and its Croissant metadata.

The API answers the licensee's API token; the portal's download links (the buyer's licenses page)
use the same service with the session cookie. Files are streamed as they are written
(coop.datasets.delivery), with the size and SHA-256 the signed manifest gives as headers.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream
from sqlalchemy import Engine

from coop.datasets.delivery import DeliveryService
from coop.datasets.service import DatasetService
from coop.kernel.principal import Principal
from coop.kernel.settings import Settings
from coop.lineage.bundle import LogAndDatabase
from coop.lineage.license_croissant import files_url, license_croissant
from web import auth
from web.auth import SignedIn


def _download(engine: Engine, principal: Principal, license_id: str, name: str) -> Stream:
    delivered, pieces = DeliveryService(engine).stream(principal, license_id, name)
    return Stream(
        pieces,
        media_type=delivered.media_type,
        headers={
            "Content-Length": str(delivered.size),
            "Content-Disposition": f'attachment; filename="{delivered.name}"',
            "ETag": f'"sha256-{delivered.sha256}"',
            "X-Content-SHA256": delivered.sha256,
        },
    )


def _files(engine: Engine, settings: Settings, principal: Principal, license_id: str) -> dict[str, Any]:
    manifest = DeliveryService(engine).files(principal, license_id)
    url = files_url(settings.public_url, license_id)
    return {
        "license": license_id,
        "manifest_entry": manifest.log_index,
        "records": manifest.records,
        "manifest": manifest.body,
        "files": [
            {"name": f.name, "media_type": f.media_type, "sha256": f.sha256, "size": f.size, "url": f"{url}/{f.name}"}
            for f in manifest.files
        ],
    }


def _croissant(
    principal: Principal, datasets: DatasetService, lineage: LogAndDatabase, settings: Settings, license_id: str
) -> Response[dict[str, Any]]:
    manifest = DeliveryService(lineage.engine).files(principal, license_id)
    license = datasets.license_of(principal, license_id)
    metadata = license_croissant(license, manifest, settings.public_url, lineage.log.origin)
    return Response(metadata, media_type="application/ld+json")


class DeliveryApi(Controller):
    path = "/api/licenses"
    tags = ["delivery"]
    guards = [auth.buyer]

    @get(
        "/{license_id:str}/files",
        summary="The licensed files with their SHA-256 (as the signed `license.files` entry gives them)",
        sync_to_thread=True,
    )
    def files(
        self,
        principal: SignedIn,
        engine: NamedDependency[Engine],
        settings: NamedDependency[Settings],
        license_id: FromPath[str],
    ) -> dict[str, Any]:
        return _files(engine, settings, principal, license_id)

    @get(
        "/{license_id:str}/files/{name:str}",
        summary="Download one licensed file (streamed; JSON Lines or Parquet)",
        sync_to_thread=True,
    )
    def download(
        self, principal: SignedIn, engine: NamedDependency[Engine], license_id: FromPath[str], name: FromPath[str]
    ) -> Stream:
        return _download(engine, principal, license_id, name)

    @get(
        "/{license_id:str}/croissant.json",
        summary="The license as Croissant 1.0 metadata: its files as the distribution",
        sync_to_thread=True,
    )
    def croissant(
        self,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        lineage: NamedDependency[LogAndDatabase],
        settings: NamedDependency[Settings],
        license_id: FromPath[str],
    ) -> Response[dict[str, Any]]:
        return _croissant(principal, datasets, lineage, settings, license_id)


class DeliveryPages(Controller):
    guards = [auth.buyer]
    include_in_schema = False

    @get("/licenses/{license_id:str}/files", sync_to_thread=True)
    def files(
        self,
        principal: SignedIn,
        engine: NamedDependency[Engine],
        settings: NamedDependency[Settings],
        license_id: FromPath[str],
    ) -> dict[str, Any]:
        return _files(engine, settings, principal, license_id)

    @get("/licenses/{license_id:str}/croissant.json", sync_to_thread=True)
    def croissant(
        self,
        principal: SignedIn,
        datasets: NamedDependency[DatasetService],
        lineage: NamedDependency[LogAndDatabase],
        settings: NamedDependency[Settings],
        license_id: FromPath[str],
    ) -> Response[dict[str, Any]]:
        return _croissant(principal, datasets, lineage, settings, license_id)

    @get("/licenses/{license_id:str}/files/{name:str}", sync_to_thread=True)
    def download(
        self, principal: SignedIn, engine: NamedDependency[Engine], license_id: FromPath[str], name: FromPath[str]
    ) -> Stream:
        return _download(engine, principal, license_id, name)


DELIVERY = [DeliveryApi, DeliveryPages]
