"""A release as MLCommons Croissant 1.0 metadata, with the Croissant RAI vocabulary filled in from the log.

Buyers' tooling (dataset catalogues, `mlcroissant`, Hugging Face-style loaders) reads Croissant, not our
lineage API. So the release is described there too — but only with what the log can back: every number
and version below comes from a signed entry in `ReleaseLineage`, and the text says which entry.

The dataset file Croissant points at is the release's *item records* (`items_jsonl`): one RFC 8785 line
per item, holding only what was fixed when the release was signed (entry, content hash, pseudonymous
author key, task, rubric and pay-floor versions, pay in integer minor units, consent terms). Because
those bytes are a pure function of signed entries, the file's SHA-256 is known here without serving it,
and is given as Croissant asks — a checksum we can stand behind, not a placeholder. Later events (a
consent revocation) never change that file; they show in the metadata text instead.

No member names or emails appear: authors are their key ids, as in the log (DESIGN invariant 8).
Plain JSON out; `mlcroissant` is only used by the tests, as the validator. The Responsible AI
properties are written in `croissant_rai`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from coop.lineage.croissant_rai import rai_properties, release_url
from coop.lineage.gather import ItemLineage, ReleaseLineage
from ledger.beancount_export import amount_text
from provenance.core.canonical import canonical_json

CROISSANT_1_0 = "http://mlcommons.org/croissant/1.0"
CROISSANT_RAI_1_0 = "http://mlcommons.org/croissant/RAI/1.0"
RECORD_SET = "items"
FILE_ID = "items.jsonl"

# The Croissant 1.0 @context (as mlcroissant 1.x writes it for 1.0), so validators see no non-standard keys.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

# (column, Croissant data type, repeated?, description) — the record file's columns, in order.
RECORD_FIELDS: list[tuple[str, str, bool, str]] = [
    (
        "entry",
        "sc:Integer",
        False,
        "Index of the item's `contribution.accepted` entry in the co-op's provenance log (the item's identity).",
    ),
    ("content_sha256", "sc:Text", False, "SHA-256 (hex) of the contributed content, as signed by its author."),
    (
        "contributor_key",
        "sc:Text",
        False,
        "Pseudonymous key id of the contributing member (no name or email is ever published).",
    ),
    ("task", "sc:Text", False, "Id of the task the item was written for."),
    (
        "task_entry",
        "sc:Integer",
        False,
        "Index of the task's `task.opened` entry in the log (rubric, pay rate, intended uses).",
    ),
    ("task_kind", "sc:Text", False, "Kind of task, e.g. expert-answer, ranking, evaluation."),
    ("unit", "sc:Text", False, "The unit of work the task pays for."),
    ("units", "sc:Integer", False, "Units of work in the item."),
    ("minutes", "sc:Integer", False, "Minutes the contributor reported spending on the item."),
    (
        "rubric_version",
        "sc:Integer",
        False,
        "Version of the governed rubric (policy `rubric.<task_kind>`) the item was reviewed against.",
    ),
    (
        "pay_floor_version",
        "sc:Integer",
        False,
        "Version of the governed pay-floor policy in force when the task opened.",
    ),
    ("pay_per_unit_minor", "sc:Integer", False, "Base pay per unit, in integer minor units of `currency`."),
    (
        "base_pay_minor",
        "sc:Integer",
        False,
        "Base pay for the item (pay per unit × units), in integer minor units of `currency`.",
    ),
    ("currency", "sc:Text", False, "ISO 4217 currency of the pay amounts."),
    ("permitted_uses", "sc:Text", True, "Uses the contributor consented to (signed consent terms)."),
    ("excluded_sectors", "sc:Text", True, "Sectors the contributor excluded (signed consent terms)."),
    ("consent_expires", "sc:Text", False, "ISO date the consent expires, or null for no expiry."),
    ("accepted_at", "sc:DateTime", False, "When the co-op accepted and countersigned the item."),
    ("review_digest", "sc:Text", False, "SHA-256 digest of the reviews the acceptance rests on."),
    ("revises_statement_sha256", "sc:Text", False, "SHA-256 of the earlier statement this item revises, or null."),
]


def item_record(item: ItemLineage) -> dict[str, Any]:
    """One row of the record file: only what signed entries fixed when the item was released."""
    statement, accepted, task = item.statement, item.accepted, item.task
    pay = accepted["pay"]
    terms = statement["terms"]
    return {
        "entry": item.acceptance_entry,
        "content_sha256": statement["content_sha256"],
        "contributor_key": statement["author"],
        "task": task["task"],
        "task_entry": item.task_entry,
        "task_kind": task["kind"],
        "unit": task["unit"],
        "units": statement["units"],
        "minutes": statement["minutes"],
        "rubric_version": accepted["rubric"]["version"],
        "pay_floor_version": accepted["pay_floor"]["version"],
        "pay_per_unit_minor": pay["per_unit"],
        "base_pay_minor": pay["per_unit"] * pay["units"],
        "currency": pay["currency"],
        "permitted_uses": list(terms["permitted_uses"]),
        "excluded_sectors": list(terms["excluded_sectors"]),
        "consent_expires": terms.get("expires"),
        "accepted_at": accepted["accepted_at"],
        "review_digest": accepted["review_digest"],
        "revises_statement_sha256": statement.get("revises"),
    }


def items_jsonl(lineage: ReleaseLineage) -> bytes:
    """The release's record file (JSON Lines, RFC 8785 per line, in log order) — the bytes the
    Croissant `FileObject` checksums, so whoever serves `/releases/{id}/items.jsonl` must serve these."""
    items = sorted(lineage.items, key=lambda i: i.acceptance_entry)
    return b"".join(canonical_json(item_record(item)) + b"\n" for item in items)


def croissant_metadata(lineage: ReleaseLineage, base_url: str, log_origin: str) -> dict[str, Any]:
    """The release as Croissant 1.0 JSON-LD (with RAI 1.0 properties): a plain dict, ready for `json.dumps`."""
    manifest, url = lineage.manifest, release_url(base_url, lineage.release_id)
    records = items_jsonl(lineage)
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": [CROISSANT_1_0, CROISSANT_RAI_1_0],
        "name": lineage.title,
        "description": _description(lineage, log_origin),
        "url": url,
        "version": "1.0.0",  # a release is immutable: changes make a new release with a new id and log entry
        "datePublished": manifest["published_at"],
        "creator": _coop(base_url, log_origin),
        "publisher": _coop(base_url, log_origin),
        "license": _license(lineage, url),
        "citeAs": _cite_as(lineage, url, log_origin),
        "keywords": sorted(
            {i.task["kind"] for i in lineage.items} | {"human-data co-operative", "provenance", "consent"}
        ),
        "identifier": f"{log_origin}#{lineage.release_entry}",
        "offers": _offer(manifest),
        "distribution": [
            {
                "@type": "cr:FileObject",
                "@id": FILE_ID,
                "name": FILE_ID,
                "description": (
                    "One JSON object per item (RFC 8785 canonical JSON, one per line, in log order): "
                    "the item's log entry, content hash, pseudonymous contributor key, task, rubric and "
                    "pay-floor versions, pay and consent terms. "
                    "Content itself is delivered under a license and identified by `content_sha256`."
                ),
                "contentUrl": f"{url}/items.jsonl",
                "encodingFormat": "application/jsonlines",
                "contentSize": f"{len(records)} B",
                "sha256": hashlib.sha256(records).hexdigest(),
            }
        ],
        "recordSet": [_record_set()],
        **rai_properties(lineage, base_url, log_origin),
    }


# -- pieces -----------------------------------------------------------------------------------------


def _coop(base_url: str, log_origin: str) -> dict[str, Any]:
    return {
        "@type": "sc:Organization",
        "name": f"Worker-owned human-data co-operative (provenance log {log_origin})",
        "url": base_url.rstrip("/"),
    }


def _license(lineage: ReleaseLineage, url: str) -> dict[str, Any]:
    """Not an SPDX license: each item carries its contributor's signed consent terms, and a license is
    granted per declared use after a per-item consent check. Say exactly that."""
    uses = ", ".join(lineage.manifest["intended_uses"])
    return {
        "@type": "sc:CreativeWork",
        "name": "Co-op license per declared use, bound by each item's signed consent terms",
        "description": (
            f"Released for: {uses}. A buyer declares uses and a sector; only items whose consent permits them "
            "(and not revoked before the license) are licensed, and the license is logged. "
            f"Check a use at {url}/check."
        ),
        "url": url,
    }


def _cite_as(lineage: ReleaseLineage, url: str, log_origin: str) -> str:
    return (
        f"@misc{{release-{lineage.release_id}, title={{{lineage.title}}}, howpublished={{{url}}}, "
        f"year={{{lineage.manifest['published_at'][:4]}}}, "
        f"note={{Provenance log {log_origin}, entry {lineage.release_entry}, "
        f"items root {lineage.manifest['items_root']}}}}}"
    )


def _offer(manifest: dict[str, Any]) -> dict[str, Any]:
    """The list price as schema.org wants it — a decimal string from integer minor units, never a float."""
    price = manifest["price"]
    decimal = amount_text(price["amount"], price["currency"]).rsplit(" ", 1)[0]  # "3000.00 EUR" → "3000.00"
    return {"@type": "sc:Offer", "price": decimal, "priceCurrency": price["currency"]}


def _record_set() -> dict[str, Any]:
    return {
        "@type": "cr:RecordSet",
        "@id": RECORD_SET,
        "name": RECORD_SET,
        "description": "One record per released item, keyed by its log entry.",
        "key": {"@id": f"{RECORD_SET}/entry"},
        "field": [
            _field(column, data_type, repeated, description)
            for column, data_type, repeated, description in RECORD_FIELDS
        ],
    }


def _field(column: str, data_type: str, repeated: bool, description: str) -> dict[str, Any]:
    field: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": f"{RECORD_SET}/{column}",
        "name": column,
        "description": description,
        "dataType": data_type,
        "source": {"fileObject": {"@id": FILE_ID}, "extract": {"column": column}},
    }
    if repeated:
        field["repeated"] = True
    return field


def _description(lineage: ReleaseLineage, log_origin: str) -> str:
    kinds = ", ".join(
        f"{kind} ({count})" for kind, count in sorted(Counter(i.task["kind"] for i in lineage.items).items())
    )
    return (
        f"{lineage.manifest['item_count']} accepted contributions by members of a worker-owned "
        f"human-data co-operative, by task kind: {kinds}. "
        f"Released for: {', '.join(lineage.manifest['intended_uses'])}. "
        f"Every item is an entry of the co-op's public provenance log ({log_origin}); "
        f"the signed release manifest is entry {lineage.release_entry} "
        f"and its items root is {lineage.manifest['items_root']}."
    )
