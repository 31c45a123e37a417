"""The Litestar application factory: one place where the web edge is assembled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Litestar, Response
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from coop.kernel.keys import load_or_create_app_secret
from coop.kernel.settings import Settings
from web.api_agreement import AGREEMENT_API
from web.api_appeals import AppealsApi, ContributionAppealApi, ReviewerRatesApi
from web.api_checkout import CHECKOUT_API
from web.api_claims import CLAIMS_API
from web.api_contributions import ContributionsApi
from web.api_delivery import DELIVERY
from web.api_governance import GOVERNANCE_API
from web.api_items import ITEMS_API
from web.api_keys import KEYS_API
from web.api_lineage import LINEAGE_API
from web.api_members import MEMBERS_API
from web.api_money import MONEY_API
from web.api_pay import MyPayApi
from web.api_payouts import PAYOUT_API
from web.api_revenue import REVENUE_API
from web.api_reviews import ReviewsApi
from web.api_second_hand import SECOND_HAND_API
from web.api_tasks import PoliciesApi, TasksApi
from web.api_withdrawals import WITHDRAWALS_API
from web.auth import API_PREFIX, PrincipalMiddleware, record_session_use, signed_in_principal
from web.errors import HANDLERS
from web.formatting import register as register_template_helpers
from web.guard import InputGuard
from web.health import healthz
from web.leadership import LeadTicker
from web.log_api import LogController
from web.metrics import MetricsMiddleware, metrics
from web.portal.accounts import AccountPages
from web.portal.agreement import AGREEMENT_PAGES
from web.portal.answer_drafts import AnswerDraftPages
from web.portal.appeals import AppealFormPages, AppealPages
from web.portal.contributions import ContributionPages
from web.portal.governance import GovernancePages, PolicyPages
from web.portal.item_work import ItemWorkPages
from web.portal.items import ItemPages
from web.portal.keys import KeyPages
from web.portal.lineage import LineagePages
from web.portal.money import MoneyPages
from web.portal.my_work import ReviewerPages
from web.portal.passwords import PasswordPages
from web.portal.public_log import PublicLogPages
from web.portal.releases import ReleasePages
from web.portal.reviews import ReviewPages
from web.portal.second_hand import SecondHandPages
from web.portal.stewards import StewardPages
from web.portal.tasks import TaskPages
from web.portal.withdrawals import WithdrawalPages
from web.runtime import Runtime, build_runtime
from web.witness_ticker import WitnessTicker

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response[Any]) -> Response[Any]:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def no_store_when_signed_in(message: Any, scope: Any) -> None:
    """Every answer to a signed-in request (portal page or /api) is that person's own — a new API
    token, their earnings — so no cache, shared or the browser's, may keep it (the app's before_send
    hook). The public log and static files are never signed in (the principal middleware skips
    them), so their caching stays as it is."""
    if message["type"] == "http.response.start" and scope.get("user") is not None:
        MutableScopeHeaders.from_message(message)["Cache-Control"] = "no-store"


class CloseDueTicker(LeadTicker):
    """Votes close by themselves: every few seconds, close whatever proposal is due (only in the
    process holding the `close-due` lead, web.leadership)."""

    job = "close-due"
    failure = "closing due proposals failed"
    logger = "coop.governance"

    def __init__(self, runtime: Runtime, every_seconds: float = 5.0):
        self.runtime = runtime
        super().__init__(runtime.engine, every_seconds)

    def work(self) -> None:
        self.runtime.governance.close_due()


def _given(value: object) -> Provide:
    def provide() -> object:
        return value

    return Provide(provide, use_cache=True, sync_to_thread=False)


def service_dependencies(runtime: Runtime) -> dict[str, Provide]:
    """Each service is its own dependency, named as handlers ask for it (`members:
    NamedDependency[MembershipService]`), so a handler's signature says which services it uses.
    `principal` is the signed-in Principal of a guarded route (web.auth)."""
    return {
        "settings": _given(runtime.settings),
        "engine": _given(runtime.engine),  # the health check and /metrics read the database itself
        "log": _given(runtime.log),
        "lineage": _given(runtime),  # coop.lineage reads the database and proves from the log (LogAndDatabase)
        "members": _given(runtime.members),
        "keys": _given(runtime.keys),
        "auth_service": _given(runtime.auth),
        "passwords": _given(runtime.passwords),
        "policies": _given(runtime.policies),
        "tasks": _given(runtime.tasks),
        "task_approvals": _given(runtime.task_approvals),
        "items": _given(runtime.items),
        "contributions": _given(runtime.contributions),
        "answer_specs": _given(runtime.answer_specs),
        "claims": _given(runtime.claims),
        "item_answers": _given(runtime.item_answers),
        "reviews": _given(runtime.reviews),
        "appeals": _given(runtime.appeals),
        "agreement": _given(runtime.agreement),
        "adjudications": _given(runtime.adjudications),
        "member_pay": _given(runtime.member_pay),
        "governance": _given(runtime.governance),
        "witnessing": _given(runtime.witnessing),
        "ledger": _given(runtime.ledger),
        "revenue": _given(runtime.revenue),
        "revenue_reports": _given(runtime.revenue_reports),
        "payouts": _given(runtime.payouts),
        "datasets": _given(runtime.datasets),
        "withdrawals": _given(runtime.withdrawals),
        "storefront": _given(runtime.storefront),
        "principal": Provide(signed_in_principal, sync_to_thread=False),
    }


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Litestar:
    """Build the app; pass `runtime` to share one already built (tests, benchmarks)."""
    if runtime is None:
        runtime = build_runtime(settings or Settings.from_env())
    built = runtime
    ticker = CloseDueTicker(built)
    witness_ticker = WitnessTicker(built.witnessing)
    app = Litestar(
        route_handlers=[
            LogController,
            *MEMBERS_API,
            *KEYS_API,
            TasksApi,
            *ITEMS_API,
            *CLAIMS_API,
            ContributionsApi,
            ReviewsApi,
            ContributionAppealApi,
            AppealsApi,
            ReviewerRatesApi,
            *AGREEMENT_API,
            MyPayApi,
            PoliciesApi,
            AccountPages,
            KeyPages,
            PasswordPages,
            StewardPages,
            PublicLogPages,
            TaskPages,
            ItemPages,
            ItemWorkPages,
            AnswerDraftPages,
            ContributionPages,
            ReviewPages,
            SecondHandPages,
            AppealPages,
            AppealFormPages,
            *AGREEMENT_PAGES,
            ReviewerPages,
            GovernancePages,
            PolicyPages,
            *GOVERNANCE_API,
            MoneyPages,
            ReleasePages,
            *MONEY_API,
            *PAYOUT_API,
            *SECOND_HAND_API,
            *WITHDRAWALS_API,
            WithdrawalPages,
            *REVENUE_API,
            *CHECKOUT_API,
            LineagePages,
            *LINEAGE_API,
            *DELIVERY,
            healthz,
            metrics,
            create_static_files_router(path="/static", directories=[HERE / "static"], include_in_schema=False),
        ],
        dependencies=service_dependencies(built),
        middleware=[
            MetricsMiddleware,
            InputGuard(),
            DefineMiddleware(PrincipalMiddleware, exclude=["^/static", "^/log/", "^/healthz", "^/metrics"]),
        ],
        csrf_config=CSRFConfig(
            secret=load_or_create_app_secret(runtime.settings.secret_file),
            cookie_secure=runtime.settings.secure_cookies,
            cookie_samesite="lax",
            exclude=[f"^{API_PREFIX}/", "^/log/"],
        ),
        template_config=TemplateConfig(
            directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=register_template_helpers
        ),
        exception_handlers=HANDLERS,
        after_request=add_security_headers,
        before_send=[no_store_when_signed_in],
        after_response=record_session_use,
        openapi_config=OpenAPIConfig(
            title="coop-ledger",
            version="0.1.0",
            description="Ledger, provenance log and governance of a worker-owned human-data cooperative.",
            path="/schema",
        ),
        on_startup=[ticker.start, witness_ticker.start],
        on_shutdown=[ticker.stop, witness_ticker.stop, built.close],
    )
    app.state.settings = runtime.settings
    app.state.runtime = runtime
    app.state.witness_ticker = witness_ticker
    return app
