"""The Litestar application factory."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from coop.runtime import Runtime, build_runtime
from coop.settings import Settings
from provenance.service import ProvenanceLog
from web.log_api import LogController


@get("/healthz", include_in_schema=False, sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Litestar:
    """Build the app; pass `runtime` to share one already built (tests, benchmarks)."""
    if runtime is None:
        runtime = build_runtime(settings or Settings.from_env())
    own_runtime = runtime

    def provide_log() -> ProvenanceLog:
        return own_runtime.log

    app = Litestar(
        route_handlers=[LogController, healthz],
        dependencies={"log": Provide(provide_log, sync_to_thread=False)},
        openapi_config=OpenAPIConfig(
            title="coop-ledger",
            version="0.1.0",
            description="Ledger, provenance log and governance of a worker-owned human-data cooperative.",
            path="/schema",
        ),
        on_shutdown=[own_runtime.close],
    )
    app.state.settings = runtime.settings
    app.state.runtime = runtime
    return app
