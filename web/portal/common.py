"""What every portal page shares: rendering with the signed-in user, form values, safe redirects.
A refused action's status comes from web.errors (`status_for`), as for the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.response import Redirect, Template

from coop.kernel.principal import Principal

Req = Request[Principal | None, Any, Any]


def page(request: Req, template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template, context={"user": request.scope.get("user"), **context}, status_code=status_code)


def is_htmx(request: Req) -> bool:
    return request.headers.get("hx-request") == "true"


def text_value(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value)


def list_value(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []


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
