"""The stewards' member directory: admit, decline, roles, suspend, reinstate (htmx row updates)."""

from __future__ import annotations

from typing import Annotated, Any, Callable

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from web.runtime import Runtime
from web import auth
from web.portal.common import Req, is_htmx, list_value, page, redirect_done

PAGE_SIZE = 25
Form = URLEncodedBody[dict[str, Any]]


class StewardPages(Controller):
    path = "/members"
    guards = [auth.steward]
    include_in_schema = False

    def _table(self, request: Req, runtime: Runtime, status: str, page_number: int) -> dict[str, Any]:
        rows, total = runtime.members.directory_page(request.user, status or None, (max(1, page_number) - 1) * PAGE_SIZE, PAGE_SIZE)  # type: ignore[arg-type]
        pages = max(1, -(-total // PAGE_SIZE))
        if page_number > pages:  # past the end (e.g. the filter shrank the list): show the last page, as before
            page_number = pages
            rows, total = runtime.members.directory_page(request.user, status or None, (pages - 1) * PAGE_SIZE, PAGE_SIZE)  # type: ignore[arg-type]
        return {"rows": rows, "total": total, "status": status, "page": max(1, page_number), "pages": pages}

    @get("/", sync_to_thread=True)
    def directory(self, request: Req, runtime: NamedDependency[Runtime], status: FromQuery[str] = "", page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1, done: FromQuery[str | None] = None) -> Template:
        return page(request, "members.html", done=done, **self._table(request, runtime, status, page_number))

    @get("/table", sync_to_thread=True)
    def table(self, request: Req, runtime: NamedDependency[Runtime], status: FromQuery[str] = "", page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1) -> Template:
        return page(request, "partials/members_table.html", **self._table(request, runtime, status, page_number))

    def _act(self, request: Req, runtime: Runtime, account_id: str, action: Callable[[], Any], message: str) -> Template | Redirect:
        action()
        if is_htmx(request):
            row = runtime.members.row(request.user, account_id)  # type: ignore[arg-type]
            return page(request, "partials/member_row.html", m=row)
        return redirect_done("/members", message)

    @post("/{account_id:str}/admit", sync_to_thread=True)
    def admit(self, request: Req, runtime: NamedDependency[Runtime], account_id: FromPath[str]) -> Template | Redirect:
        return self._act(request, runtime, account_id, lambda: runtime.members.admit(request.user, account_id), "Admitted.")  # type: ignore[arg-type]

    @post("/{account_id:str}/decline", sync_to_thread=True)
    def decline(self, request: Req, runtime: NamedDependency[Runtime], account_id: FromPath[str]) -> Template | Redirect:
        return self._act(request, runtime, account_id, lambda: runtime.members.decline(request.user, account_id), "Declined.")  # type: ignore[arg-type]

    @post("/{account_id:str}/roles", sync_to_thread=True)
    def roles(self, request: Req, runtime: NamedDependency[Runtime], account_id: FromPath[str], data: Form) -> Template | Redirect:
        roles = list_value(data, "roles")
        return self._act(request, runtime, account_id, lambda: runtime.members.set_roles(request.user, account_id, roles), "Roles saved.")  # type: ignore[arg-type]

    @post("/{account_id:str}/suspend", sync_to_thread=True)
    def suspend(self, request: Req, runtime: NamedDependency[Runtime], account_id: FromPath[str]) -> Template | Redirect:
        return self._act(request, runtime, account_id, lambda: runtime.members.suspend(request.user, account_id), "Suspended.")  # type: ignore[arg-type]

    @post("/{account_id:str}/reinstate", sync_to_thread=True)
    def reinstate(self, request: Req, runtime: NamedDependency[Runtime], account_id: FromPath[str]) -> Template | Redirect:
        return self._act(request, runtime, account_id, lambda: runtime.members.reinstate(request.user, account_id), "Reinstated.")  # type: ignore[arg-type]
