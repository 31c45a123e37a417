"""Downstream revenue a steward reported, and the second steward who confirms it (issue 16).

A steward's report waits (coop.datasets.revenue_pending); a steward other than the reporter confirms
it by signing a `revenue.confirmation` statement {report, report_entry, license, amount, currency,
confirmer, time} with their own member key (custodial with their password, or their own). The
confirmation is logged, kept whole in the insert-only `revenue_confirmation` table, and in the same
transaction the report is posted and shared by the formula in force, exactly as a buyer's report is.
Confirming a confirmed report again answers the first confirmation and posts nothing more.

Members in good standing (stewards among them) read every report, pending or confirmed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.datasets.models import License
from coop.datasets.revenue import RevenueService
from coop.datasets.revenue_pending import PendingReport
from coop.datasets.revenue_report_models import RevenueConfirmation, RevenueReport
from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.membership.keys import KeyService
from coop.membership.steward_signing import checked_steward_statement, sign_with_password, statement_time
from provenance.core.canonical import canonical_json
from provenance.core.signing import SignedStatement
from provenance.service import ProvenanceLog

KIND = "revenue.confirmation"
REPORTER_REFUSED = "you reported this revenue: another steward must confirm it before it is posted"


@dataclass(frozen=True)
class ReportView:
    id: str
    license_id: str
    amount: int
    currency: str
    description: str
    reported_by: str
    reported_at: datetime
    log_index: int
    status: str  # "pending" or "confirmed"
    confirmed_by: str | None
    confirmed_at: datetime | None
    confirmation_log_index: int | None
    event_id: int | None  # the revenue event it posted, once confirmed


def report_view(report: RevenueReport, confirmation: RevenueConfirmation | None) -> ReportView:
    return ReportView(
        report.id,
        report.license_id,
        report.amount,
        report.currency,
        report.description,
        report.reported_by,
        report.reported_at,
        report.log_index,
        "confirmed" if confirmation else "pending",
        confirmation.confirmer_id if confirmation else None,
        confirmation.confirmed_at if confirmation else None,
        confirmation.log_index if confirmation else None,
        confirmation.event_id if confirmation else None,
    )


class RevenueReports:
    def __init__(
        self,
        engine: Engine,
        log: ProvenanceLog,
        keys: KeyService,
        revenue: RevenueService,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.engine = engine
        self.log = log
        self.keys = keys
        self.revenue = revenue
        self.clock = clock

    def list(self, viewer: Principal, status: str | None = None) -> list[ReportView]:
        """Reports, newest first; `status` "pending" or "confirmed" narrows them."""
        _require_member(viewer)
        if status not in (None, "pending", "confirmed"):
            raise Refused("status is 'pending' or 'confirmed'")
        with Session(self.engine) as session:
            rows = session.execute(
                select(RevenueReport, RevenueConfirmation)
                .outerjoin(RevenueConfirmation, RevenueConfirmation.report_id == RevenueReport.id)
                .order_by(RevenueReport.log_index.desc())
            ).all()
            views = [report_view(report, confirmation) for report, confirmation in rows]
        return [v for v in views if status is None or v.status == status]

    def get(self, viewer: Principal, report_id: str) -> ReportView:
        _require_member(viewer)
        with Session(self.engine) as session:
            report = session.get(RevenueReport, report_id)
            if report is None:
                raise NotFound(f"no revenue report {report_id}")
            return report_view(report, session.get(RevenueConfirmation, report_id))

    def confirmation_body(self, confirmer: Principal, report_id: str) -> dict[str, Any]:
        """The exact body a steward signs to confirm the report."""
        report = self.get(confirmer, report_id)
        return {
            "report": report.id,
            "report_entry": report.log_index,
            "license": report.license_id,
            "amount": report.amount,
            "currency": report.currency,
            "confirmer": confirmer.account_id,
            "time": statement_time(self.clock()),
        }

    def confirm_with_password(self, confirmer: Principal, report_id: str, password: str) -> ReportView:
        if self.get(confirmer, report_id).reported_by == confirmer.account_id:  # said before any key is opened
            raise NotAllowed(REPORTER_REFUSED)
        body = self.confirmation_body(confirmer, report_id)
        return self.confirm(confirmer, report_id, sign_with_password(self.keys, confirmer, password, KIND, body))

    def confirm(self, confirmer: Principal, report_id: str, statement: SignedStatement) -> ReportView:
        """Check and log the signed confirmation, then post and share the report, in one transaction."""
        now = self.clock()
        body, key = checked_steward_statement(self.keys, confirmer, statement, KIND, "confirmer", now)
        with write_session(self.engine) as session, session.begin():
            report = session.get(RevenueReport, report_id)
            if report is None:
                raise NotFound(f"no revenue report {report_id}")
            license_row = session.get(License, report.license_id, with_for_update=True)  # confirmations take turns
            assert license_row is not None  # foreign key
            done = session.get(RevenueConfirmation, report_id)
            if done is not None:
                if done.confirmer_id == confirmer.account_id:
                    return report_view(report, done)  # confirmed already, by this steward: nothing new
                raise Conflict(f"this report was already confirmed by another steward (log entry {done.log_index})")
            if report.reported_by == confirmer.account_id:
                raise NotAllowed(REPORTER_REFUSED)
            expected = {
                "report": report.id,
                "report_entry": report.log_index,
                "license": report.license_id,
                "amount": report.amount,
                "currency": report.currency,
            }
            if {k: body[k] for k in expected} != expected:
                raise Refused(
                    "the statement does not match the report (report, report_entry, license, amount, currency)"
                )
            index = self.log.append_in_transaction(session.connection(), [statement])[0]
            if self.keys.ended(session, key.key_id):  # read after the log's head lock, as for ballots
                raise Conflict(f"key {key.key_id} was revoked or rotated as this was signed; sign it again")
            event = self.revenue.post_confirmed_in(
                session,
                license_row,
                PendingReport(report.amount, report.currency, report.description, report.journal_key),
                report.reported_by,
            )
            confirmation = RevenueConfirmation(
                report_id=report.id,
                confirmer_id=confirmer.account_id,
                statement=canonical_json(body).decode(),
                public_key=statement.public_key,
                signature=statement.signature,
                event_id=event,
                confirmed_at=now,
                log_index=index,
            )
            session.add(confirmation)
            session.flush()
            return report_view(report, confirmation)


def _require_member(viewer: Principal) -> None:
    if not viewer.in_good_standing:
        raise NotAllowed("members of the co-op read revenue reports")
