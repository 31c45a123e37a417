"""The one gate every request passes before anything reads it: no NUL character in any text, and no
JSON nested deeper than `MAX_JSON_DEPTH`.

Why here, once: PostgreSQL cannot store U+0000 in text (SQLite can, so the two would disagree), and
a NUL reaching a query is a 500, not the client's fault; JSON nested a thousand deep makes every
Python JSON decoder (msgspec, json) raise RecursionError. Checking each field in each controller
would miss one; this middleware sees the raw request — path, query string, headers and body (JSON,
form or the text fields of a multipart form; uploaded files may hold any bytes) — and refuses with
a 400 that says why. It buffers the body (up to the route's size limit) and hands the same bytes on.
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any

from litestar.exceptions import ClientException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from coop.kernel.errors import Refused

MAX_JSON_DEPTH = 64
NUL_REFUSED = "text must not contain the NUL character (U+0000)"
DEPTH_REFUSED = f"JSON nested deeper than {MAX_JSON_DEPTH} levels is refused"

_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")  # an escaped NUL, not an escaped backslash before "u0000"


def json_too_deep(body: bytes) -> bool:
    """Whether arrays and objects nest deeper than MAX_JSON_DEPTH (strings skipped, no decoding)."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False
    depth = 0
    for token in _JSON_TOKEN.finditer(body):
        char = token.group()[:1]
        if char in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


def parse_json(text: str, what: str) -> Any:
    """JSON typed into a portal form field, under the same rules as a JSON request body."""
    raw = text.encode("utf-8")
    if json_too_deep(raw):
        raise Refused(f"{what}: {DEPTH_REFUSED}")
    try:
        return json.loads(text)
    except ValueError as error:
        raise Refused(f"{what} is not valid JSON: {error}") from error


def _refusal(scope: Scope, body: bytes) -> str | None:
    if "\x00" in scope.get("path", "") or b"%00" in scope.get("raw_path", b"") or b"\x00" in scope.get("raw_path", b""):
        return NUL_REFUSED
    if b"%00" in scope.get("query_string", b"") or b"\x00" in scope.get("query_string", b""):
        return NUL_REFUSED
    if any(b"\x00" in value for _, value in scope.get("headers", ())):
        return NUL_REFUSED
    if not body:
        return None
    content_type = next((value for name, value in scope.get("headers", ()) if name == b"content-type"), b"")
    if b"multipart/form-data" in content_type.lower():
        return _multipart_refusal(content_type, body)
    if b"\x00" in body or (b"x-www-form-urlencoded" in content_type.lower() and b"%00" in body):
        return NUL_REFUSED
    # Any other body may be decoded as JSON by a handler whatever its declared type: check it as JSON.
    if _JSON_NUL.search(body):
        return NUL_REFUSED
    if json_too_deep(body):
        return DEPTH_REFUSED
    return None


def _multipart_refusal(content_type: bytes, body: bytes) -> str | None:
    """The text fields of a multipart form (parts without a filename); files may hold any bytes."""
    boundary = re.search(rb'boundary="?([^";]+)"?', content_type, re.IGNORECASE)  # the boundary itself keeps its case
    if boundary is None:
        return None
    for part in body.split(b"--" + boundary.group(1)):
        headers, _, content = part.partition(b"\r\n\r\n")
        if b"filename=" not in headers.lower() and b"\x00" in content:
            return NUL_REFUSED
    return None


class InputGuard(ASGIMiddleware):
    """Refuses a request holding NUL or over-deep JSON before authentication, CSRF or a handler reads it."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != "http":
            await next_app(scope, receive, send)
            return
        resolve_limit = getattr(scope.get("route_handler"), "resolve_request_max_body_size", None)
        limit = (resolve_limit() if resolve_limit else None) or float("inf")
        read: deque[ReceiveMessage] = deque()
        chunks: list[bytes] = []
        size, complete = 0, False
        while not complete and size <= limit:
            message = await receive()
            read.append(message)
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            complete = not message.get("more_body", False)
        body = b"".join(chunks) if complete else b""
        problem = _refusal(scope, body)
        if problem is not None:
            raise ClientException(detail=problem)

        async def replay() -> ReceiveMessage:
            return read.popleft() if read else await receive()

        await next_app(scope, replay, send)
