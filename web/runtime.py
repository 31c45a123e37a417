"""Assembles the running service's parts from Settings: engine, co-op key, log, services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from coop.datasets.revenue import RevenueService
from coop.datasets.revenue_reports import RevenueReports
from coop.datasets.service import DatasetService
from coop.datasets.share_inputs import member_contributions
from coop.datasets.storefront import Storefront
from coop.datasets.withdrawals import WithdrawalService
from coop.kernel.db import make_engine, utcnow
from coop.kernel.keys import load_signing_key
from coop.kernel.settings import Settings
from coop.membership.auth import AuthService
from coop.membership.gate import Gate
from coop.membership.keys import KeyService
from coop.membership.passwords import PasswordService
from coop.membership.service import MembershipService
from coop.statements import check_statement
from coop.work.adjudication import AdjudicationService
from coop.work.agreement import AgreementService
from coop.work.answer_specs import AnswerSpecService
from coop.work.appeals import AppealService
from coop.work.claims import ClaimService
from coop.work.contributions import ContributionService
from coop.work.item_answers import ItemAnswerService
from coop.work.items import ItemService
from coop.work.member_pay import MemberPayService
from coop.work.reviews import ReviewService
from coop.work.task_approvals import TaskApprovals
from coop.work.tasks import TaskService
from governance.payout_policy import payout_policy
from governance.policies import PolicyService
from governance.service import GovernanceService
from governance.witnessing import Witnessing
from ledger.payouts import PayoutService
from ledger.service import LedgerService
from provenance.core.note import NoteSigner
from provenance.service import ProvenanceLog


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    log: ProvenanceLog
    clock: Callable[[], datetime] = utcnow
    members: MembershipService = field(init=False)
    keys: KeyService = field(init=False)
    auth: AuthService = field(init=False)
    gate: Gate = field(init=False)
    passwords: PasswordService = field(init=False)
    policies: PolicyService = field(init=False)
    tasks: TaskService = field(init=False)
    task_approvals: TaskApprovals = field(init=False)
    items: ItemService = field(init=False)
    contributions: ContributionService = field(init=False)
    answer_specs: AnswerSpecService = field(init=False)
    claims: ClaimService = field(init=False)
    item_answers: ItemAnswerService = field(init=False)
    reviews: ReviewService = field(init=False)
    appeals: AppealService = field(init=False)
    agreement: AgreementService = field(init=False)
    adjudications: AdjudicationService = field(init=False)
    member_pay: MemberPayService = field(init=False)
    governance: GovernanceService = field(init=False)
    revenue_reports: RevenueReports = field(init=False)
    witnessing: Witnessing = field(init=False)
    ledger: LedgerService = field(init=False)
    revenue: RevenueService = field(init=False)
    payouts: PayoutService = field(init=False)
    datasets: DatasetService = field(init=False)
    withdrawals: WithdrawalService = field(init=False)
    storefront: Storefront = field(init=False)

    def __post_init__(self) -> None:
        self.gate = Gate(
            self.engine, self.clock, self.settings.sign_ups_per_day
        )  # the one throttle of every password check and sign-up
        self.members = MembershipService(self.engine, self.log, self.clock, self.gate)
        self.keys = KeyService(self.engine, self.log, self.clock, self.gate)
        self.auth = AuthService(
            self.engine,
            self.members,
            self.clock,
            idle_timeout=timedelta(seconds=self.settings.session_idle_seconds),
            absolute_timeout=timedelta(seconds=self.settings.session_max_seconds),
            gate=self.gate,
        )
        self.passwords = PasswordService(self.engine, self.keys, self.gate, self.clock)
        self.policies = PolicyService(self.engine, self.log, self.clock)
        self.tasks = TaskService(self.engine, self.log, self.policies, self.clock)
        self.task_approvals = TaskApprovals(self.engine, self.log, self.keys, self.clock)
        self.items = ItemService(self.engine, self.log, self.clock)
        self.withdrawals = WithdrawalService(self.engine, self.log, self.clock)
        self.contributions = ContributionService(
            self.engine,
            self.log,
            self.keys,
            self.settings.max_content_bytes,
            self.clock,
            on_revocation=self.withdrawals.notify_in,  # licensees are told (coop.work.ports)
        )
        self.answer_specs = AnswerSpecService(self.engine, self.log, self.clock)
        self.claims = ClaimService(self.engine, self.clock)
        self.item_answers = ItemAnswerService(
            self.engine, self.contributions, self.settings.max_content_bytes, self.clock
        )
        self.ledger = LedgerService(
            self.engine, self.clock, licensed_contributions=member_contributions, log=self.log
        )  # the statement's port (ledger.ports); every posting committed to the log (ledger.commitment)
        self.reviews = ReviewService(self.engine, self.log, self.policies, self.tasks, self.ledger, self.clock)
        self.appeals = AppealService(self.engine, self.log, self.reviews, self.clock)
        self.agreement = AgreementService(self.engine, self.policies)
        self.adjudications = AdjudicationService(self.engine, self.log, self.reviews, self.clock)
        self.member_pay = MemberPayService(self.engine, self.policies)
        self.payouts = PayoutService(
            self.engine, self.ledger, self.log, self.keys, payout_policy(self.policies), self.clock
        )  # the two-person rule's policy through the ledger's port (ledger.ports)
        self.revenue = RevenueService(self.engine, self.ledger, self.policies, self.log, self.clock)
        self.revenue_reports = RevenueReports(self.engine, self.log, self.keys, self.revenue, self.clock)
        self.datasets = DatasetService(self.engine, self.log, self.policies, self.revenue, self.clock)
        self.storefront = Storefront(self.engine, self.datasets)
        self.governance = GovernanceService(
            self.engine, self.log, self.policies, self.keys, admissions=self.members, clock=self.clock
        )
        self.witnessing = Witnessing(self.log, self.policies, self.clock)  # cosigned by web.witness_ticker

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings.database_url)
    signer = NoteSigner(settings.log_origin, load_signing_key(settings.key_file))
    return Runtime(settings, engine, ProvenanceLog(engine, signer, settings.log_origin, check_statement))
