"""Every refusal is a clear 4xx with a reason: JSON for the API, a page (or an htmx fragment) for
the portal. Domain errors are mapped to their status here, once, each by its own class: the API's
exception handlers and the portal's forms (which show a refusal next to the form) both ask
`status_for`.

Only the domain's refusals (`REFUSALS`) and throttling (`TooManyAttempts`, 429) are 4xx. Any other
exception — a bare ValueError, an OverflowError, a RecursionError, a database error — is a bug: it
is logged with its traceback and answered with a plain 500, never disguised as the client's fault."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import OperationalError

from coop.kernel.db import is_busy
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused, TooManyAttempts
from governance.recount import RecountError
from provenance.core.canonical import NotCanonicalizable
from provenance.core.signing import InvalidStatement
from provenance.writer import LogHeadMismatch
from web.auth import API_PREFIX

# The domain's refusals and their status; a subclass (BooksRefused, FormulaError, …) maps as its base.
REFUSALS: dict[type[Exception], int] = {
    Refused: 400,
    InvalidStatement: 400,
    NotCanonicalizable: 400,
    RecountError: 400,
    NotAllowed: 403,
    NotFound: 404,
    Conflict: 409,
}
THROTTLED = 429  # TooManyAttempts: kept apart from REFUSALS, as no form may show it as a field's error

# What a portal action may be refused with and show next to its form, with the status `status_for`
# gives; throttling is not among them: it is answered by `domain_exception`, with its Retry-After.
USER_ERRORS: tuple[type[Exception], ...] = tuple(REFUSALS)


def status_for(error: Exception) -> int:
    """The HTTP status of a refusal, for the API and the portal alike."""
    if isinstance(error, TooManyAttempts):
        return THROTTLED
    return next(code for kind, code in REFUSALS.items() if isinstance(error, kind))


def sign_in_status(error: Exception) -> int:
    """At sign-in a NotAllowed means the credentials did not authenticate (a wrong password, an
    account that cannot sign in): 401, where the same refusal elsewhere is a 403."""
    return 401 if isinstance(error, NotAllowed) else status_for(error)


def retry_headers(error: Exception) -> dict[str, str]:
    """When a throttled client may try again; no header for any other refusal."""
    return {"Retry-After": str(error.retry_after_seconds)} if isinstance(error, TooManyAttempts) else {}


CSRF_MESSAGE = (
    "This form was not sent from one of the co-op's own pages (the CSRF check failed), so nothing was changed. "
    "Reload the page and try again."
)


DATA_FILES = (".json", ".jsonl", ".parquet")  # records and metadata that programs read (Croissant, PROV)


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    """JSON errors for the API, the log and data files, and for any client that sent credentials of
    its own: a program asking for a file must be told 401, not sent to a sign-in page it cannot use."""
    path = request.url.path
    return (
        path.startswith(API_PREFIX)
        or path.startswith("/log/")
        or path.startswith("/schema")
        or path.endswith(DATA_FILES)
        or "authorization" in request.headers
    )


def respond(
    request: Request[Any, Any, Any], status: int, detail: str, headers: dict[str, str] | None = None
) -> Response[Any]:
    if _wants_json(request):
        return Response(
            {"status_code": status, "detail": detail}, status_code=status, media_type=MediaType.JSON, headers=headers
        )
    if status == 401 and request.method == "GET" and not request.headers.get("hx-request"):
        return Redirect(f"/login?next={quote(request.url.path)}&reason={quote(detail)}", status_code=303)
    template = "partials/error.html" if request.headers.get("hx-request") else "error.html"
    response = Template(
        template, context={"status": status, "detail": detail, "user": request.scope.get("user")}, status_code=status
    )
    if headers:
        response.headers.update(headers)
    if request.headers.get("hx-request"):
        response.headers.update({"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    return response


def http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    detail = str(exc.detail)
    if isinstance(exc, PermissionDeniedException) and "CSRF" in detail:
        detail = CSRF_MESSAGE
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        # Say which field is wrong and why ("minimum: Expected `int` <= 1000000000000000").
        reasons = [f"{item.get('key')}: {item.get('message')}" for item in exc.extra if isinstance(item, dict)]
        detail = "; ".join([detail, *reasons])
    return respond(request, exc.status_code, detail, dict(exc.headers or {}))


def domain_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, (TooManyAttempts, *REFUSALS)):
        return respond(request, status_for(exc), str(exc), retry_headers(exc) or None)
    return server_error(request, exc)


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug: logged with its traceback; the client learns only that it was not its fault."""
    logging.getLogger("coop.web").error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return respond(request, 500, "Internal Server Error: the co-op's server failed; the error is logged.")


BUSY_RETRY_SECONDS = 2


def database_error(request: Request[Any, Any, Any], exc: OperationalError) -> Response[Any]:
    """A database too busy to take this request in time (locks held by others) is a 503 the client
    may retry; any other operational failure is a fault of ours: logged, and a 500."""
    if is_busy(exc):
        logging.getLogger("coop.web").warning(
            "database busy, answered 503: %s %s: %s", request.method, request.url.path, exc.orig
        )
        return respond(
            request,
            503,
            "The database is busy; nothing was changed. Try again in a moment.",
            {"Retry-After": str(BUSY_RETRY_SECONDS)},
        )
    logging.getLogger("coop.web").error("database error on %s %s", request.method, request.url.path, exc_info=exc)
    return respond(request, 500, "Internal Server Error")


def log_head_mismatch(request: Request[Any, Any, Any], exc: LogHeadMismatch) -> Response[Any]:
    """The log's rows do not end where its head says (tampering, see docs/append-only.md): the writer
    appended nothing; every write that logs waits for an operator, who runs `coop log verify`."""
    logging.getLogger("coop.web").critical("log writes stopped on %s %s: %s", request.method, request.url.path, exc)
    return respond(
        request, 503, "The co-op's log needs its operator (its stored rows and head disagree); nothing was changed."
    )


HANDLERS: ExceptionHandlersMap = {
    HTTPException: http_exception,
    NotAuthorizedException: http_exception,
    **{kind: domain_exception for kind in REFUSALS},
    TooManyAttempts: domain_exception,
    OperationalError: database_error,
    LogHeadMismatch: log_head_mismatch,
    Exception: server_error,
}
