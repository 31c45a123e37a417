"""A license as Croissant 1.0 metadata whose `distribution` is the licensed files themselves.

A release's Croissant (coop.lineage.croissant) describes what anyone may see before buying; a
license's describes what its buyer received: the two files with the SHA-256 its signed, logged
manifest gives (`license.files`), and a RecordSet per file whose fields are the files' columns,
so `mlcroissant` yields the records straight from them (and re-checks each file's hash first).

The `contentUrl`s are the API's download routes, which answer only the licensee's API token. A
reader that cannot send the header (mlcroissant fetches URLs without one) downloads the files with
the token first and hands their paths over (`mlcroissant.Dataset(jsonld, mapping={name: path})`):
the SHA-256 check is the same either way. No names or emails: authors are pseudonymous key ids.
"""

from __future__ import annotations

from typing import Any

from coop.datasets.delivery import LicenseFiles
from coop.datasets.delivery_records import COLUMNS
from coop.datasets.views import LicenseView
from coop.lineage.croissant import CONTEXT, CROISSANT_1_0

RECORD_SETS = {"judgments.jsonl": "judgments", "judgments.parquet": "judgments-parquet"}


def files_url(base_url: str, license_id: str) -> str:
    return f"{base_url.rstrip('/')}/api/licenses/{license_id}/files"


def license_croissant(license: LicenseView, manifest: LicenseFiles, base_url: str, log_origin: str) -> dict[str, Any]:
    """The license as Croissant 1.0 JSON-LD: a plain dict, ready for `json.dumps`."""
    url = files_url(base_url, license.id)
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CROISSANT_1_0,
        "name": f"{license.release_title} (license {license.id})",
        "description": (
            f"The {manifest.records} accepted judgments licensed to {license.buyer_org} for "
            f"{', '.join(license.uses)}: one record per judgment with its item, answer, review scores, "
            f"measured minutes and signed consent terms. The files' SHA-256 are in the co-op's signed "
            f"`license.files` statement, entry {manifest.log_index} of the provenance log {log_origin} "
            f"(the license itself is entry {license.log_index})."
        ),
        "url": url,
        "version": "1.0.0",  # a license's files never change: the manifest is signed and logged
        "datePublished": license.created_at.isoformat(),
        "license": {
            "@type": "sc:CreativeWork",
            "name": f"Co-op license {license.id}: {', '.join(license.uses)}",
            "description": "Use is bound by the license and each record's signed consent terms.",
            "url": url,
        },
        "identifier": f"{log_origin}#{manifest.log_index}",
        "distribution": [
            {
                "@type": "cr:FileObject",
                "@id": delivered.name,
                "name": delivered.name,
                "description": f"{manifest.records} records, {manifest.body['format']}.",
                "contentUrl": f"{url}/{delivered.name}",
                "encodingFormat": delivered.media_type,
                "contentSize": f"{delivered.size} B",
                "sha256": delivered.sha256,
            }
            for delivered in manifest.files
        ],
        "recordSet": [_record_set(name, record_set) for name, record_set in RECORD_SETS.items()],
    }


def _record_set(file_name: str, record_set: str) -> dict[str, Any]:
    return {
        "@type": "cr:RecordSet",
        "@id": record_set,
        "name": record_set,
        "description": f"One record per licensed judgment, read from {file_name}, keyed by its log entry.",
        "key": {"@id": f"{record_set}/entry"},
        "field": [
            {
                "@type": "cr:Field",
                "@id": f"{record_set}/{column}",
                "name": column,
                "description": description,
                "dataType": data_type,
                "source": {"fileObject": {"@id": file_name}, "extract": {"column": column}},
                **({"repeated": True} if repeated else {}),
            }
            for column, _, data_type, repeated, description in COLUMNS
        ],
    }
