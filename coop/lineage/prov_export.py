"""A release's lineage as W3C PROV-JSON, so provenance tools that know nothing of this project can read it.

The graph is the log, restated in PROV terms:

    content (by SHA-256) ──wasGeneratedBy──▶ contributing ──wasAssociatedWith──▶ member key (pseudonymous)
    accepted contribution (log entry) ──wasGeneratedBy──▶ review & acceptance ──used──▶ content, task
    release (log entry) ──wasDerivedFrom──▶ each accepted contribution        (and a license, if any)

Identifiers are log entry indexes, content hashes and key ids — never names or emails (DESIGN
invariant 8), since a PROV file travels further than the portal. Every attribute is a string, an
integer, or a list of those; money is integer minor units plus a decimal string, never a float.

The identifiers live in `urn:coop-ledger:` namespaces: a log entry's index is only meaningful within
its log, so pair a PROV file with the release's verification bundle, which names the log.
"""

from __future__ import annotations

from typing import Any

from coop.lineage.gather import ItemLineage, ReleaseLineage
from coop.rules.pay_floor import hourly_rate
from ledger.beancount_export import amount_text

PREFIXES = {
    "coop": "urn:coop-ledger:vocab#",
    "entry": "urn:coop-ledger:log-entry:",
    "content": "urn:coop-ledger:content-sha256:",
    "key": "urn:coop-ledger:member-key:",
    "org": "urn:coop-ledger:organisation:",
    "act": "urn:coop-ledger:activity:",
}
COOP = "coop:cooperative"


def prov_document(lineage: ReleaseLineage) -> dict[str, Any]:
    """The lineage as a PROV-JSON document (a plain dict, ready for `json.dumps`)."""
    graph = _Graph()
    graph.agent(COOP, "prov:Organization", {"prov:label": "the co-operative (countersigns, logs and releases)"})
    items = sorted(lineage.items, key=lambda i: i.acceptance_entry)
    for item in items:
        _add_item(graph, item)
    _add_release(graph, lineage, items)
    if lineage.license is not None and lineage.license_entry is not None:
        _add_license(graph, lineage)
    return graph.document()


# -- the parts of the lineage ------------------------------------------------------------------------


def _add_item(graph: _Graph, item: ItemLineage) -> None:
    statement, accepted = item.statement, item.accepted
    member, task = f"key:{statement['author']}", f"entry:{item.task_entry}"
    content = f"content:{statement['content_sha256']}"
    accepted_id = f"entry:{item.acceptance_entry}"
    contributing, acceptance = f"act:contribute-{item.acceptance_entry}", f"act:accept-{item.acceptance_entry}"

    graph.agent(
        member,
        "prov:Person",
        {
            "coop:keyId": statement["author"],
            "coop:publicKey": accepted["statement"]["key"],
            "prov:label": "member (pseudonymous signing key)",
        },
    )
    graph.entity(task, "coop:Task", _task_attributes(item))
    graph.entity(content, "coop:Content", {"coop:sha256": statement["content_sha256"]})
    graph.entity(accepted_id, "coop:AcceptedContribution", _accepted_attributes(item))

    graph.activity(
        contributing,
        "coop:Contributing",
        statement["time"],
        {"coop:reportedMinutes": statement["minutes"], "coop:units": statement["units"]},
    )
    graph.relate("wasAssociatedWith", {"prov:activity": contributing, "prov:agent": member})
    graph.relate("used", {"prov:activity": contributing, "prov:entity": task})
    graph.relate(
        "wasGeneratedBy", {"prov:entity": content, "prov:activity": contributing, "prov:time": statement["time"]}
    )
    graph.relate("wasAttributedTo", {"prov:entity": content, "prov:agent": member})

    graph.activity(
        acceptance,
        "coop:ReviewAndAcceptance",
        accepted["accepted_at"],
        {
            "coop:rubricPolicy": accepted["rubric"]["policy"],
            "coop:rubricVersion": accepted["rubric"]["version"],
            "coop:payFloorPolicy": accepted["pay_floor"]["policy"],
            "coop:payFloorVersion": accepted["pay_floor"]["version"],
            "coop:reviewDigest": accepted["review_digest"],
        },
    )
    graph.relate("wasAssociatedWith", {"prov:activity": acceptance, "prov:agent": COOP})
    graph.relate("used", {"prov:activity": acceptance, "prov:entity": content})
    graph.relate("used", {"prov:activity": acceptance, "prov:entity": task})
    graph.relate(
        "wasGeneratedBy",
        {"prov:entity": accepted_id, "prov:activity": acceptance, "prov:time": accepted["accepted_at"]},
    )
    graph.relate(
        "wasDerivedFrom", {"prov:generatedEntity": accepted_id, "prov:usedEntity": content, "prov:activity": acceptance}
    )
    graph.relate("wasAttributedTo", {"prov:entity": accepted_id, "prov:agent": member})


def _task_attributes(item: ItemLineage) -> dict[str, Any]:
    task = item.task
    rate = hourly_rate(task["pay_per_unit"], task["minutes_per_unit"])
    return {
        "prov:label": f"task.opened, log entry {item.task_entry}",
        "coop:logEntry": item.task_entry,
        "coop:task": task["task"],
        "coop:taskKind": task["kind"],
        "coop:unit": task["unit"],
        "coop:minutesPerUnit": task["minutes_per_unit"],
        "coop:currency": task["currency"],
        "coop:payPerUnitMinor": task["pay_per_unit"],
        "coop:payPerUnit": amount_text(task["pay_per_unit"], task["currency"]),
        "coop:hourlyRateMinor": rate,
        "coop:hourlyRate": amount_text(rate, task["currency"]),
        "coop:rubricPolicy": task["rubric"]["policy"],
        "coop:rubricVersion": task["rubric"]["version"],
        "coop:payFloorPolicy": task["pay_floor"]["policy"],
        "coop:payFloorVersion": task["pay_floor"]["version"],
        "coop:intendedUse": list(task["intended_uses"]),
    }


def _accepted_attributes(item: ItemLineage) -> dict[str, Any]:
    statement, accepted = item.statement, item.accepted
    terms, pay = statement["terms"], accepted["pay"]
    base = pay["per_unit"] * pay["units"]
    attributes: dict[str, Any] = {
        "prov:label": f"contribution.accepted, log entry {item.acceptance_entry}",
        "coop:logEntry": item.acceptance_entry,
        "coop:contentSha256": statement["content_sha256"],
        "coop:task": statement["task"],
        "coop:taskKind": item.task["kind"],
        "coop:rubricPolicy": accepted["rubric"]["policy"],
        "coop:rubricVersion": accepted["rubric"]["version"],
        "coop:payFloorPolicy": accepted["pay_floor"]["policy"],
        "coop:payFloorVersion": accepted["pay_floor"]["version"],
        "coop:permittedUse": list(terms["permitted_uses"]),
        "coop:excludedSector": list(terms["excluded_sectors"]),
        "coop:units": pay["units"],
        "coop:reportedMinutes": statement["minutes"],
        "coop:currency": pay["currency"],
        "coop:basePayMinor": base,
        "coop:basePay": amount_text(base, pay["currency"]),
        "coop:reviewDigest": accepted["review_digest"],
        "coop:acceptedAt": _datetime(accepted["accepted_at"]),
    }
    optional = {
        "coop:consentExpires": terms.get("expires"),
        "coop:revisesStatementSha256": statement.get("revises"),
        "coop:consentRevocationEntry": item.revocation_entry,
    }
    attributes.update({name: value for name, value in optional.items() if value is not None})
    return attributes


def _add_release(graph: _Graph, lineage: ReleaseLineage, items: list[ItemLineage]) -> None:
    manifest, release = lineage.manifest, f"entry:{lineage.release_entry}"
    releasing = f"act:release-{lineage.release_entry}"
    price = manifest["price"]
    graph.entity(
        release,
        "coop:Release",
        {
            "prov:label": f"release.published, log entry {lineage.release_entry}: {lineage.title}",
            "coop:logEntry": lineage.release_entry,
            "coop:release": lineage.release_id,
            "coop:title": lineage.title,
            "coop:itemsRoot": manifest["items_root"],
            "coop:itemCount": manifest["item_count"],
            "coop:intendedUse": list(manifest["intended_uses"]),
            "coop:priceMinor": price["amount"],
            "coop:price": amount_text(price["amount"], price["currency"]),
            "coop:currency": price["currency"],
            "coop:consentRulesVersion": manifest["policies"]["consent-rules"],
            "coop:revenueFormulaVersion": manifest["policies"]["revenue-formula"],
            "coop:excludedByConsent": [f"{reason}: {count}" for reason, count in sorted(manifest["excluded"].items())],
            "coop:policyEntry": list(lineage.policy_entries),
        },
    )
    graph.activity(releasing, "coop:Releasing", manifest["published_at"], {})
    graph.relate("wasAssociatedWith", {"prov:activity": releasing, "prov:agent": COOP})
    graph.relate(
        "wasGeneratedBy", {"prov:entity": release, "prov:activity": releasing, "prov:time": manifest["published_at"]}
    )
    graph.relate("wasAttributedTo", {"prov:entity": release, "prov:agent": COOP})
    for item in items:
        accepted_id = f"entry:{item.acceptance_entry}"
        graph.relate("used", {"prov:activity": releasing, "prov:entity": accepted_id})
        graph.relate(
            "wasDerivedFrom",
            {"prov:generatedEntity": release, "prov:usedEntity": accepted_id, "prov:activity": releasing},
        )


def _add_license(graph: _Graph, lineage: ReleaseLineage) -> None:
    body, entry = lineage.license or {}, lineage.license_entry
    license_id, licensing, release = f"entry:{entry}", f"act:license-{entry}", f"entry:{lineage.release_entry}"
    buyer, price = f"org:{body['buyer_org']}", body["price"]
    graph.agent(buyer, "prov:Organization", {"prov:label": "licensee (buyer organisation)"})
    attributes = {
        "prov:label": f"license.granted, log entry {entry}",
        "coop:logEntry": entry,
        "coop:license": body["license"],
        "coop:use": list(body["uses"]),
        "coop:includedCount": body["included_count"],
        "coop:includedRoot": body["included_root"],
        "coop:priceMinor": price["amount"],
        "coop:price": amount_text(price["amount"], price["currency"]),
        "coop:currency": price["currency"],
        "coop:consentRulesVersion": body["consent_rules"]["version"],
        "coop:excludedByConsent": [f"{reason}: {count}" for reason, count in sorted(body["excluded"].items())],
    }
    if body.get("sector"):
        attributes["coop:sector"] = body["sector"]
    graph.entity(license_id, "coop:License", attributes)
    graph.activity(licensing, "coop:Licensing", body["granted_at"], {})
    graph.relate("wasAssociatedWith", {"prov:activity": licensing, "prov:agent": COOP})
    graph.relate("wasAssociatedWith", {"prov:activity": licensing, "prov:agent": buyer})
    graph.relate("used", {"prov:activity": licensing, "prov:entity": release})
    for index in sorted(lineage.licensed_entries):
        graph.relate("used", {"prov:activity": licensing, "prov:entity": f"entry:{index}"})
    graph.relate(
        "wasGeneratedBy", {"prov:entity": license_id, "prov:activity": licensing, "prov:time": body["granted_at"]}
    )
    graph.relate(
        "wasDerivedFrom", {"prov:generatedEntity": license_id, "prov:usedEntity": release, "prov:activity": licensing}
    )
    graph.relate("wasAttributedTo", {"prov:entity": license_id, "prov:agent": COOP})


# -- PROV-JSON assembly ------------------------------------------------------------------------------


def _qname(value: str) -> dict[str, str]:
    """A qualified-name value (prov:type and the like), typed as PROV-JSON asks."""
    return {"$": value, "type": "xsd:QName"}


def _datetime(value: str) -> dict[str, str]:
    return {"$": value, "type": "xsd:dateTime"}


class _Graph:
    """Collects records once each (a task or member appears under many items) and numbers relations."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def _put(self, kind: str, identifier: str, body: dict[str, Any]) -> None:
        """First writer wins; an empty list means "no values", so it is left out rather than written as []."""
        self.records.setdefault(kind, {}).setdefault(
            identifier, {name: value for name, value in body.items() if value != []}
        )

    def entity(self, identifier: str, kind: str, attributes: dict[str, Any]) -> None:
        self._put("entity", identifier, {"prov:type": _qname(kind), **attributes})

    def activity(self, identifier: str, kind: str, ended: str, attributes: dict[str, Any]) -> None:
        self._put("activity", identifier, {"prov:endTime": ended, "prov:type": _qname(kind), **attributes})

    def agent(self, identifier: str, kind: str, attributes: dict[str, Any]) -> None:
        self._put("agent", identifier, {"prov:type": _qname(kind), **attributes})

    def relate(self, kind: str, body: dict[str, Any]) -> None:
        relations = self.records.setdefault(kind, {})
        relations[f"_:{kind}{len(relations) + 1}"] = body

    def document(self) -> dict[str, Any]:
        return {"prefix": dict(PREFIXES), **self.records}
