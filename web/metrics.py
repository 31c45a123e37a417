"""`GET /metrics` in the Prometheus text format, and the middleware that counts requests.

What is measured, and where it comes from:
  coop_http_requests_total{method,route,status}   per route TEMPLATE (/log/entries/{index}),
  coop_http_request_duration_seconds{method,route} never the raw path, so the series stay bounded
  coop_log_append_batch_*                          the writer's batches (provenance/metrics.py)
  coop_log_entries, coop_log_checkpoint_*          read from the DATABASE at scrape time
  coop_database_up                                 1 if that read worked

Several server processes (`coop serve --workers N`): counters and histograms live in each process,
so with PROMETHEUS_MULTIPROC_DIR set (an empty directory, set before the processes start)
prometheus-client's multiprocess mode writes them to per-process files and every scrape adds them
up, whichever worker answers. The log's size and checkpoint age are not per process at all: they are
read from the database when scraped, so every worker reports the same, current values.

Who may scrape: with COOP_METRICS_TOKEN set, whoever sends `Authorization: Bearer <token>` (and
nobody else, even on loopback: behind a reverse proxy on the same host every request is loopback);
without it, only clients on the loopback interface. Route counts say what members are doing; they are
not for the public.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine

from coop.kernel.settings import Settings
from provenance import store

REQUESTS = Counter(
    "coop_http_requests", "HTTP requests answered, by route template and status", ["method", "route", "status"]
)
REQUEST_SECONDS = Histogram(
    "coop_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MetricsMiddleware:
    """Count every request that reached a route, by its template and final status."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"  # a client picks the method: bound it

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        except HTTPException as error:  # raised by a middleware further in; the app turns it into this status
            status = error.status_code
            raise
        finally:
            route = scope.get("path_template") or "unmatched"
            REQUESTS.labels(method, route, str(status)).inc()
            REQUEST_SECONDS.labels(method, route).observe(time.perf_counter() - started)


class LogCollector:
    """The log's size and checkpoint age, read from the database when scraped (so right for every worker)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def describe(self) -> list[Any]:
        return []  # nothing to check at registration: this registry is built per scrape

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self.engine.connect() as conn:
                latest = store.latest_checkpoint(conn)
        except Exception:  # noqa: BLE001 - a scrape must still answer, saying the database did not
            logging.getLogger("coop.metrics").exception("reading the log for /metrics failed")
            yield GaugeMetricFamily("coop_database_up", "1 if the database answered this scrape", value=0)
            return
        yield GaugeMetricFamily("coop_database_up", "1 if the database answered this scrape", value=1)
        yield GaugeMetricFamily(
            "coop_log_entries",
            "Entries in the log: the size of the latest signed checkpoint",
            value=0 if latest is None else latest.size,
        )
        if latest is not None:
            signed = latest.signed_at.timestamp()
            yield GaugeMetricFamily(
                "coop_log_checkpoint_timestamp_seconds",
                "When the latest checkpoint was signed (Unix time)",
                value=signed,
            )
            yield GaugeMetricFamily(
                "coop_log_checkpoint_age_seconds",
                "Seconds since the latest checkpoint was signed "
                "(a checkpoint is signed with every batch of appends; an idle log's grows)",
                value=max(0.0, time.time() - signed),
            )


class _ThisProcess:
    """Forwards the process-wide default registry (single-process mode)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def scrape(engine: Engine) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(LogCollector(engine))
    return generate_latest(registry)


def _is_loopback(host: str | None) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def refusal(request: Request[Any, Any, Any], token: str | None) -> Response[str] | None:
    """None if this client may scrape; otherwise the 401/403 that says how to get access."""
    if token:
        given = request.headers.get("authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
            return None
        return Response(
            "a valid bearer token (COOP_METRICS_TOKEN) is required to read /metrics\n",
            status_code=401,
            media_type="text/plain; charset=utf-8",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    if _is_loopback(request.client.host if request.client else None):
        return None
    return Response(
        "/metrics is served only to loopback clients or with a valid bearer token: set COOP_METRICS_TOKEN "
        "to scrape from elsewhere\n",
        status_code=403,
        media_type="text/plain; charset=utf-8",
    )


@get("/metrics", include_in_schema=False, sync_to_thread=True)
def metrics(
    request: Request[Any, Any, Any], settings: NamedDependency[Settings], engine: NamedDependency[Engine]
) -> Response[Any]:
    refused = refusal(request, settings.metrics_token)
    if refused is not None:
        return refused
    return Response(scrape(engine), media_type=CONTENT_TYPE_LATEST)
