"""What every portal page shares: rendering with the signed-in user, form values, safe redirects.
A refused action's status comes from web.errors (`status_for`), as for the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template

from coop.kernel.errors import Refused
from coop.kernel.money import check_currency, parse_major
from web.auth import Req as Req  # the portal's modules take it from here, with the rest of what pages share
from web.inputs import AMOUNT_MAX, SMALL_MAX, whole_number

Form = URLEncodedBody[dict[str, Any]]
PAGE_SIZE = 50  # rows per page of a member's contributions and of the review queue


def page(request: Req, template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template, context={"user": request.scope.get("user"), **context}, status_code=status_code)


def is_htmx(request: Req) -> bool:
    return request.headers.get("hx-request") == "true"


def text_value(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value)


def int_value(data: dict[str, Any], name: str, label: str, high: int = SMALL_MAX) -> int:
    """A whole number from a form field, or a 400 that names the field (`label`) and the range."""
    return whole_number(text_value(data, name), label, 0, high)


class FieldRefused(Refused):
    """A refusal about one form field (`field`), so the page shows the reason next to that field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def currency_value(data: dict[str, Any], name: str = "currency") -> str:
    """An ISO 4217 code from a form field (typed in any case), or a refusal at that field."""
    try:
        return check_currency(text_value(data, name).strip().upper())
    except Refused as error:
        raise FieldRefused(name, str(error)) from None


def amount_value(data: dict[str, Any], name: str, currency: str, label: str) -> int:
    """An amount typed in major units of `currency` ("12.50") as integer minor units (1250): the one
    conversion at the portal's edge (coop.kernel.money.parse_major), refused at the field otherwise."""
    try:
        return parse_major(text_value(data, name), currency, label, AMOUNT_MAX)
    except Refused as error:
        raise FieldRefused(name, str(error)) from None


def errors_at(error: Exception) -> dict[str, str]:
    """A page's `errors`: a field's refusal next to its field, anything else at the top of the form."""
    if isinstance(error, FieldRefused):
        return {error.field: str(error)}
    return {"_form": str(error)}


def list_value(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []


def page_window(number: int) -> tuple[int, int]:
    """(offset, limit) of page `number` (from 1); PAGE_SIZE is read at each call, so a test may shrink it."""
    return (number - 1) * PAGE_SIZE, PAGE_SIZE


def pager(number: int, total: int) -> dict[str, int]:
    """What a paged list's template needs for its "page n of m" line and its previous/next links."""
    return {"page": number, "pages": max(1, -(-total // PAGE_SIZE)), "total": total}


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/me"


def redirect_done(path: str, message: str) -> Redirect:
    separator = "&" if "?" in path else "?"
    return Redirect(f"{path}{separator}done={quote(message)}", status_code=303)


def field_errors(error: Exception) -> dict[str, str]:
    """Put a service's message next to the field it is about (by the word it names)."""
    message = str(error)
    for name in ("password", "email", "organisation", "name", "roles"):
        if message.lower().startswith(name) or f" {name} " in f" {message.lower()} ":
            return {name: message}
    return {"_form": message}
