"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for load and latency measurement.

Why not httpx: on this 2-core machine httpx's async connection pool cost ~6 ms of client CPU per
request at 64 connections (measured: 152 requests/s with the client at 0.9 cores and the server
mostly idle), so it measured itself, not the server. This client sends request bytes built before
the clock starts and reads back status line, headers and a Content-Length body: a few tens of µs
per request. It knows only what `coop serve` answers with (no chunked bodies, no redirects).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode


class HTTPFailure(RuntimeError):
    """An answer other than the expected status, or one this client cannot read."""


def build_request(
    method: str, path: str, host: str, headers: Mapping[str, str] | None = None, body: bytes | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def get_request(path: str, host: str, params: Mapping[str, int] | None = None) -> bytes:
    return build_request("GET", f"{path}?{urlencode(params)}" if params else path, host)


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send one request, return (status, body)."""
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        length = None
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            elif name.strip().lower() == "transfer-encoding":
                raise HTTPFailure(f"unexpected transfer-encoding: {value.strip()}")
        body = await self._reader.readexactly(length) if length else b""
        return int(status_line.split(" ", 2)[1]), body

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


@dataclass(frozen=True)
class Exchange:
    """What the load loop keeps of each request: its latency and the body to check afterwards."""

    seconds: float
    body: bytes


async def _run(
    host: str, port: int, requests: list[bytes], concurrency: int, expect: int
) -> tuple[float, list[Exchange]]:
    connections = [await Connection.open(host, port) for _ in range(concurrency)]
    exchanges: list[Exchange] = []
    pending = iter(requests)

    async def worker(connection: Connection) -> None:
        for request in pending:  # one shared iterator: a connection takes the next request when free
            sent = time.perf_counter()
            status, body = await connection.send(request)
            exchanges.append(Exchange(time.perf_counter() - sent, body))
            if status != expect:
                raise HTTPFailure(f"HTTP {status} (expected {expect}): {body[:300]!r}")

    try:
        start = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in connections))
        return time.perf_counter() - start, exchanges
    finally:
        for connection in connections:
            await connection.close()


def run_requests(
    host: str, port: int, requests: Iterable[bytes], concurrency: int, expect: int
) -> tuple[float, list[Exchange]]:
    """Send every request over `concurrency` keep-alive connections; (wall seconds, exchanges)."""
    return asyncio.run(_run(host, port, list(requests), concurrency, expect))
