"""A steward's downstream revenue report, recorded pending (issue 16): logged as `revenue.reported`,
kept in the insert-only `revenue_report` table, and not posted — no income, no shares, nothing to pay
out — until another steward confirms it (coop.datasets.revenue_reports). Only the buyer, reporting
revenue on its own license, posts in one step: the money is theirs to owe, not a steward's to invent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from coop.datasets.models import License
from coop.datasets.revenue_report_models import RevenueReport
from coop.kernel.principal import Principal
from coop.statements import store_text
from provenance.service import ProvenanceLog

PENDING = "report:"  # how an idempotency record names a pending report (an event is named by its number)
REPORTED_KIND = "revenue.reported"


@dataclass(frozen=True)
class PendingReport:
    amount: int
    currency: str
    description: str
    key: str  # prefix of the journal keys it posts under once confirmed


def record_pending(
    session: Session, log: ProvenanceLog, reporter: Principal, row: License, report: PendingReport, now: datetime
) -> str:
    """Log and keep the report, inside the caller's transaction; return its id."""
    report_id = uuid.uuid4().hex
    body = {
        "report": report_id,
        "license": row.id,
        "license_entry": row.log_index,
        "amount": report.amount,
        "currency": report.currency,
        "description_sha256": store_text(session, report.description, lambda: now),
        "reported_by": reporter.account_id,
        "time": now.isoformat(),
    }
    index = log.append_coop_statement(session.connection(), REPORTED_KIND, body)
    session.add(
        RevenueReport(
            id=report_id,
            license_id=row.id,
            amount=report.amount,
            currency=report.currency,
            description=report.description,
            reported_by=reporter.account_id,
            journal_key=report.key,
            reported_at=now,
            log_index=index,
        )
    )
    session.flush()
    return report_id
