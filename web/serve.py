"""`coop serve`: the web service in one process, or in several sharing one listening socket.

Several processes (`--workers N`, or servers on several hosts against one PostgreSQL) are safe:
the log's writers take turns on the locked head row, every answer is read from the database, and
the vote-closing ticker runs in one process at a time (`web.leadership`). Each worker builds its
own app from the environment (`app_from_env`), as uvicorn's worker processes need an import string.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import tempfile
from typing import TypedDict

import uvicorn
from litestar import Litestar
from uvicorn.protocols.http.h11_impl import H11Protocol

from coop.kernel.keys import load_or_create_app_secret
from coop.kernel.settings import Settings
from web.app import create_app


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with Nagle's algorithm off on every connection.

    asyncio turns TCP_NODELAY on only for sockets that report `proto == IPPROTO_TCP`. A listener
    that asyncio binds itself from host and port does; the one uvicorn binds for `--workers N`
    (`Config.bind_socket`, proto 0) does not, nor do the connections it accepts (uvicorn issue
    #3149). h11 writes a response's head and body separately, so with Nagle on the body waits
    for the client's delayed ACK: ~40 ms added to every keep-alive request after the first.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's own H11Protocol
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def app_from_env() -> Litestar:
    """The app of one worker process, from the environment (uvicorn's `factory=True`)."""
    app = create_app(Settings.from_env())
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Everything imported and built so far lives as long as the server: freezing it keeps Python's
    full cyclic collections from rescanning every startup object on each pass (a full pass set the
    p99 of a page: figures in bench/README.md, from bench/money_bench.py), while newer objects are
    collected as usual."""
    gc.freeze()


def serve(settings: Settings, host: str, port: int, workers: int) -> int:
    if workers < 1:
        raise ValueError(f"--workers {workers}: at least one process must serve")
    # Made once here, before workers start: they would otherwise race to create it (one could
    # read the file another has just created but not yet written).
    load_or_create_app_secret(settings.secret_file)
    proxy = proxy_options(settings)
    if workers == 1:
        app = create_app(settings)
        freeze_startup_objects()
        uvicorn.run(app, host=host, port=port, log_level="info", http=NoDelayH11Protocol, **proxy)
    else:
        share_metrics_between_workers()
        uvicorn.run(
            "web.serve:app_from_env",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="info",
            http=NoDelayH11Protocol,
            **proxy,
        )
    return 0


def share_metrics_between_workers() -> None:
    """Worker processes count requests in files under PROMETHEUS_MULTIPROC_DIR, which every scrape
    of /metrics adds up (web/metrics.py); without it each worker would report only its own counts.
    An operator's directory is kept; otherwise a fresh empty one is made for this run (the variable
    must be set before the workers start, and a directory left from an earlier run would add stale
    counts)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="coop-metrics-")


class ProxyOptions(TypedDict, total=False):
    """uvicorn's settings for X-Forwarded-For, as `uvicorn.run` and `uvicorn.Config` take them."""

    proxy_headers: bool
    forwarded_allow_ips: str


def proxy_options(settings: Settings) -> ProxyOptions:
    """uvicorn's X-Forwarded-For handling: only from the proxies COOP_FORWARDED_ALLOW_IPS names
    (uvicorn alone would believe it from 127.0.0.1, so anyone on the host could pick an address)."""
    if not settings.forwarded_allow_ips:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}
