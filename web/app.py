"""The Litestar application factory: one place where the web edge is assembled."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from coop.keys import load_or_create_app_secret
from coop.runtime import Runtime, build_runtime
from coop.settings import Settings
from provenance.service import ProvenanceLog
from web.api_members import API_CONTROLLERS
from web.api_work import WORK_API
from web.formatting import register as register_template_helpers
from web.auth import API_PREFIX, PrincipalMiddleware
from web.errors import HANDLERS
from web.log_api import LogController
from web.portal.accounts import AccountPages
from web.portal.public_log import PublicLogPages
from web.portal.stewards import StewardPages
from web.portal.work import ContributionPages, ReviewPages, TaskPages

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


def add_security_headers(response: Response) -> Response:  # type: ignore[type-arg]
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@get("/healthz", include_in_schema=False, sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Litestar:
    """Build the app; pass `runtime` to share one already built (tests, benchmarks)."""
    if runtime is None:
        runtime = build_runtime(settings or Settings.from_env())
    built = runtime

    def provide_runtime() -> Runtime:
        return built

    def provide_log() -> ProvenanceLog:
        return built.log

    app = Litestar(
        route_handlers=[
            LogController, *API_CONTROLLERS, *WORK_API, AccountPages, StewardPages, PublicLogPages,
            TaskPages, ContributionPages, ReviewPages, healthz,
            create_static_files_router(path="/static", directories=[HERE / "static"], include_in_schema=False),
        ],
        dependencies={"log": Provide(provide_log, sync_to_thread=False), "runtime": Provide(provide_runtime, sync_to_thread=False)},
        middleware=[DefineMiddleware(PrincipalMiddleware, exclude=["^/static", "^/log/", "^/healthz"])],
        csrf_config=CSRFConfig(
            secret=load_or_create_app_secret(runtime.settings.secret_file),
            cookie_secure=runtime.settings.secure_cookies,
            cookie_samesite="lax",
            exclude=[f"^{API_PREFIX}/", "^/log/"],
        ),
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=register_template_helpers),
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        after_request=add_security_headers,
        openapi_config=OpenAPIConfig(
            title="coop-ledger",
            version="0.1.0",
            description="Ledger, provenance log and governance of a worker-owned human-data cooperative.",
            path="/schema",
        ),
        on_shutdown=[built.close],
    )
    app.state.settings = runtime.settings
    app.state.runtime = runtime
    return app
