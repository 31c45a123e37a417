"""Who reads a license's paperwork (its compliance report): the licensee's organisation, and
stewards (who see every license, for support and audit).

Another organisation is refused with NotAllowed (403), as for the license's files
(coop.datasets.delivery) and its withdrawal feed (coop.datasets.withdrawals), not told "no such
license": a license's id and its buyer organisation are already public in its `license.granted` log
entry, so the refusal reveals nothing, and a buyer whose link is wrong learns why it does not open.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coop.datasets.models import License
from coop.kernel.errors import NotAllowed, NotFound
from coop.kernel.principal import Principal


def check_license_reader(engine: Engine, viewer: Principal, license_id: str, what: str) -> None:
    """Return if `viewer` may read `what` of the license; NotFound if there is none, else NotAllowed."""
    with Session(engine) as session:
        license = session.get(License, license_id)
        if license is None:
            raise NotFound(f"no license {license_id}")
        if not viewer.is_steward and (viewer.org_id is None or viewer.org_id != license.buyer_org_id):
            raise NotAllowed(f"only the licensee's organisation reads {what} of license {license_id}")
