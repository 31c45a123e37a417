"""Revenue from licenses — the sale itself and later downstream revenue — shared back by the formula
in force, exactly, and posted to the books with the arithmetic attached for members' statements.

The arithmetic is stored compactly (ledger.formula.compact): the split's pools, W's and leftover
thresholds in the transaction and the event, one summary row per member and pool; a member's own
lines are recomputed from their contributions in the license (`share_inputs.member_contributions`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from coop import idempotency
from coop.datasets.models import License
from coop.datasets.revenue_pending import PENDING, PendingReport, record_pending
from coop.datasets.share_inputs import contribution_columns, share_split
from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import NotAllowed, NotFound, Refused
from coop.kernel.money import check_currency
from coop.kernel.principal import Principal
from governance.policies import PolicyService
from ledger import books
from ledger.books import Leg
from ledger.formula import (
    FormulaError,
    FormulaParams,
    MemberSummary,
)
from ledger.formula.reference import RevenueSplit, split_revenue
from ledger.models import RevenueEvent, RevenueShareSummary
from ledger.service import LedgerService
from provenance.core.canonical import canonical_json
from provenance.service import ProvenanceLog

RESERVE_ALLOCATION = "Expenses:ReserveAllocation"


@dataclass(frozen=True)
class DownstreamReported:
    """What a downstream report did: posted and shared (a buyer's own report: `event_id`), or recorded
    pending a second steward's confirmation (a steward's report: `report_id`; coop.datasets.revenue_reports)."""

    event_id: int | None
    report_id: str | None

    @property
    def pending(self) -> bool:
        return self.event_id is None


@dataclass(frozen=True)
class RevenueEventView:
    id: int
    license_id: str
    kind: str
    amount: int
    currency: str
    description: str
    formula_version: int
    split: dict[str, Any]
    created_at: datetime


class RevenueService:
    def __init__(
        self,
        engine: Engine,
        ledger: LedgerService,
        policies: PolicyService,
        log: ProvenanceLog,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.engine = engine
        self.ledger = ledger
        self.policies = policies
        self.log = log
        self.clock = clock

    def record_sale_in(self, session: Session, license_id: str) -> int | None:
        """The license's price as revenue, shared at once. Nothing to share for a free license.
        One sale per license, so its journal keys derive from the license's id (the buyer's key
        is the license's: see DatasetService.license)."""
        row = session.get(License, license_id)
        assert row is not None
        if row.price == 0:
            return None
        return self._record(
            session,
            row,
            "sale",
            row.price,
            row.currency,
            "license sale",
            row.buyer_account_id,
            f"license:{license_id}:sale",
        )

    def report_downstream(
        self, reporter: Principal, license_id: str, amount: int, currency: str, description: str, idempotency_key: str
    ) -> DownstreamReported:
        """A buyer (for its own license) or a steward reports revenue earned from licensed data.
        The buyer's own report is posted and shared at once; a steward's is recorded pending, posted
        only when another steward confirms it (issue 16: no one alone moves money).
        The key is the reporter's (their organisation's, for a buyer) for reports on this license."""
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise Refused("revenue is a positive whole number of minor units")
        description = description.strip()[:500] or "downstream revenue"
        check_currency(currency)
        with write_session(self.engine) as session, session.begin():
            row = session.get(License, license_id)
            if row is None or (not reporter.is_steward and row.buyer_org_id != reporter.org_id):
                raise NotFound(f"you have no license {license_id}")
            if currency != row.currency:
                raise Refused(f"report revenue in the license's currency ({row.currency})")
            request = idempotency.scoped(
                reporter,
                f"revenue:{license_id}",
                idempotency_key,
                {"license": license_id, "amount": amount, "currency": currency, "description": description},
            )
            first = idempotency.first_answer(session, request)
            if first is not None:  # a retried report changes nothing
                if first.startswith(PENDING):
                    return DownstreamReported(None, first[len(PENDING) :])
                return DownstreamReported(int(first), None)
            if row.buyer_org_id != reporter.org_id:  # a steward's report: a second steward confirms it first
                report = record_pending(
                    session,
                    self.log,
                    reporter,
                    row,
                    PendingReport(amount, currency, description, request.journal_key("downstream")),
                    self.clock(),
                )
                idempotency.remember(session, request, PENDING + report, self.clock())
                return DownstreamReported(None, report)
            event = self._record(
                session,
                row,
                "downstream",
                amount,
                currency,
                description,
                reporter.account_id,
                request.journal_key("downstream"),
            )
            idempotency.remember(session, request, str(event), self.clock())
            return DownstreamReported(event, None)

    def post_confirmed_in(self, session: Session, row: License, report: PendingReport, reporter: str) -> int:
        """Post and share a steward's report once a second steward confirmed it (revenue_reports)."""
        return self._record(
            session, row, "downstream", report.amount, report.currency, report.description, reporter, report.key
        )

    def _record(
        self,
        session: Session,
        row: License,
        kind: str,
        amount: int,
        currency: str,
        description: str,
        reporter: str,
        key: str,
    ) -> int:
        """Share and post one revenue event; `key` prefixes its journal keys (unique per event)."""
        formula = self.policies.in_force("revenue-formula", self.clock())
        try:
            split = share_split(
                session, row.id, amount, currency, FormulaParams.from_policy(formula.body, formula.version)
            )
        except FormulaError as error:
            raise Refused(str(error)) from error
        income = books.SALES if kind == "sale" else books.DOWNSTREAM
        income_tx = self.ledger.post_in(
            session,
            kind,
            f"{description} ({row.id})",
            [Leg(books.buyer_receivable(row.buyer_org_id), amount, currency), Leg(income, -amount, currency)],
            f"{key}:income",
            ref=f"license:{row.id}",
            log_index=row.log_index,
        )
        legs = [
            Leg(account, value, currency)
            for account, value in (
                (books.REVENUE_SHARES, split.contributor_pool),
                (books.REVIEWER_POOL, split.reviewer_pool),
                (RESERVE_ALLOCATION, split.reserve),
                (books.COOP_RESERVE, -split.reserve),
            )
            if value
        ]
        legs += [
            Leg(books.member_payable(member), -cents, currency)
            for member, cents in sorted(split.totals().items())
            if cents
        ]
        details = canonical_json(split.to_dict())  # a few hundred bytes, whatever the release's size
        share_tx = self.ledger.post_in(
            session,
            "revenue-share",
            f"Shares of {description} ({row.id})",
            legs,
            f"{key}:shares",
            ref=f"license:{row.id}",
            log_index=row.log_index,
            details=None,
            details_json=details,
        )
        event = RevenueEvent(
            license_id=row.id,
            kind=kind,
            amount=amount,
            currency=currency,
            description=description,
            reported_by=reporter,
            formula_version=formula.version,
            split=details.decode(),
            income_tx_id=income_tx,
            share_tx_id=share_tx,
            created_at=self.clock(),
        )
        session.add(event)
        session.execute(
            insert(RevenueShareSummary),
            [
                {
                    "share_tx_id": share_tx,
                    "member_id": m.member,
                    "pool": m.pool,
                    "weight": m.weight,
                    "count": m.count,
                    "cents": m.cents,
                    "currency": currency,
                }
                for m in split.members
            ],
        )
        session.flush()
        return event.id

    def events(self, license_id: str | None = None) -> list[RevenueEventView]:
        with Session(self.engine) as session:
            query = select(RevenueEvent).order_by(RevenueEvent.id)
            if license_id:
                query = query.where(RevenueEvent.license_id == license_id)
            return [
                RevenueEventView(
                    e.id,
                    e.license_id,
                    e.kind,
                    e.amount,
                    e.currency,
                    e.description,
                    e.formula_version,
                    json.loads(e.split),
                    e.created_at,
                )
                for e in session.scalars(query)
            ]

    def summaries(self, event_id: int) -> list[MemberSummary]:
        """The per-member rows of an event's share (by member, then pool): Σ cents per pool = the pool."""
        with Session(self.engine) as session:
            share_tx = session.scalar(select(RevenueEvent.share_tx_id).where(RevenueEvent.id == event_id))
            rows = session.scalars(
                select(RevenueShareSummary)
                .where(RevenueShareSummary.share_tx_id == share_tx)
                .order_by(RevenueShareSummary.member_id, RevenueShareSummary.pool)
            )
            return [MemberSummary(r.member_id, r.pool, r.weight, r.count, r.cents) for r in rows]

    def full_split(self, event_id: int) -> RevenueSplit:
        """Every share's arithmetic, recomputed contribution by contribution from what the license
        keeps (each item's weights and each reviewer's count, as they stood at licensing) with the
        formula version the event used: for audits, on demand (it is what the event stored before
        migration 0009), and the reference the grouped computation is tested against."""
        with Session(self.engine) as session:
            event = session.get(RevenueEvent, event_id)
            if event is None:
                raise NotFound(f"no revenue event {event_id}")
            stored = json.loads(event.split)
            params = FormulaParams.from_policy(
                {k: stored["formula"][k] for k in ("reserve_bps", "reviewer_bps", "weight")}, event.formula_version
            )
            threshold = stored.get("reviewer_threshold")
            public_ties = not (threshold and isinstance(threshold[1], str))  # shared by member id before 0027's rule
            columns, reviewers = contribution_columns(session, event.license_id, public_ties)
            return split_revenue(event.amount, event.currency, params, columns.inputs(), reviewers)


def require_buyer_or_steward(principal: Principal) -> None:
    if not (principal.is_buyer or principal.is_steward):
        raise NotAllowed("only buyers and stewards report revenue")
