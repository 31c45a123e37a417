"""What buyers and stewards see of releases and licenses: plain views of their rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from coop.datasets.models import License, Release
from coop.membership.models import BuyerOrg


@dataclass(frozen=True)
class ReleaseView:
    id: str
    title: str
    description: str
    intended_uses: list[str]
    price: int
    currency: str
    item_count: int
    items_root: str
    manifest: dict[str, Any]
    created_at: datetime
    log_index: int


@dataclass(frozen=True)
class ConsentCheck:
    release_id: str
    uses: list[str]
    sector: str | None
    total: int
    licensable: int
    excluded: dict[str, int]  # reason → count
    price_full: int
    price_subset: int
    currency: str


@dataclass(frozen=True)
class LicenseView:
    id: str
    release_id: str
    release_title: str
    buyer_org: str
    uses: list[str]
    sector: str | None
    price: int
    currency: str
    included_count: int
    included_root: str
    created_at: datetime
    log_index: int


def release_view(row: Release) -> ReleaseView:
    return ReleaseView(
        row.id,
        row.title,
        row.description,
        json.loads(row.intended_uses),
        row.price,
        row.currency,
        row.item_count,
        row.items_root,
        json.loads(row.manifest),
        row.created_at,
        row.log_index,
    )


def license_view(session: Session, row: License) -> LicenseView:
    release = session.get(Release, row.release_id)
    org = session.get(BuyerOrg, row.buyer_org_id)
    return LicenseView(
        row.id,
        row.release_id,
        release.title if release else "",
        org.name if org else "",
        json.loads(row.uses),
        row.sector,
        row.price,
        row.currency,
        row.included_count,
        row.included_root,
        row.created_at,
        row.log_index,
    )
