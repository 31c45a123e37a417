"""The stewards' member directory: admit, decline, roles, suspend, reinstate (htmx row updates)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from coop.kernel.principal import Principal
from coop.membership.service import MembershipService
from web import auth
from web.auth import SignedIn
from web.portal.common import Form, Req, is_htmx, list_value, page, redirect_done

PAGE_SIZE = 25


class StewardPages(Controller):
    path = "/members"
    guards = [auth.steward]
    include_in_schema = False

    @staticmethod
    def _table(principal: Principal, members: MembershipService, status: str, page_number: int) -> dict[str, Any]:
        rows, total = members.directory_page(
            principal, status or None, (max(1, page_number) - 1) * PAGE_SIZE, PAGE_SIZE
        )
        pages = max(1, -(-total // PAGE_SIZE))
        if page_number > pages:  # past the end (e.g. the filter shrank the list): show the last page, as before
            page_number = pages
            rows, total = members.directory_page(principal, status or None, (pages - 1) * PAGE_SIZE, PAGE_SIZE)
        return {"rows": rows, "total": total, "status": status, "page": max(1, page_number), "pages": pages}

    @get("/", sync_to_thread=True)
    def directory(
        self,
        request: Req,
        principal: SignedIn,
        members: NamedDependency[MembershipService],
        status: FromQuery[str] = "",
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
        done: FromQuery[str | None] = None,
    ) -> Template:
        return page(request, "members.html", done=done, **self._table(principal, members, status, page_number))

    @get("/table", sync_to_thread=True)
    def table(
        self,
        request: Req,
        principal: SignedIn,
        members: NamedDependency[MembershipService],
        status: FromQuery[str] = "",
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
    ) -> Template:
        return page(request, "partials/members_table.html", **self._table(principal, members, status, page_number))

    @staticmethod
    def _act(
        request: Req,
        principal: Principal,
        members: MembershipService,
        account_id: str,
        action: Callable[[], object],
        message: str,
    ) -> Template | Redirect:
        action()
        if is_htmx(request):
            return page(request, "partials/member_row.html", m=members.row(principal, account_id))
        return redirect_done("/members", message)

    @post("/{account_id:str}/admit", sync_to_thread=True)
    def admit(
        self, request: Req, principal: SignedIn, members: NamedDependency[MembershipService], account_id: FromPath[str]
    ) -> Template | Redirect:
        return self._act(
            request, principal, members, account_id, lambda: members.admit(principal, account_id), "Admitted."
        )

    @post("/{account_id:str}/decline", sync_to_thread=True)
    def decline(
        self, request: Req, principal: SignedIn, members: NamedDependency[MembershipService], account_id: FromPath[str]
    ) -> Template | Redirect:
        return self._act(
            request, principal, members, account_id, lambda: members.decline(principal, account_id), "Declined."
        )

    @post("/{account_id:str}/roles", sync_to_thread=True)
    def roles(
        self,
        request: Req,
        principal: SignedIn,
        members: NamedDependency[MembershipService],
        account_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        roles = list_value(data, "roles")
        return self._act(
            request,
            principal,
            members,
            account_id,
            lambda: members.set_roles(principal, account_id, roles),
            "Roles saved.",
        )

    @post("/{account_id:str}/suspend", sync_to_thread=True)
    def suspend(
        self, request: Req, principal: SignedIn, members: NamedDependency[MembershipService], account_id: FromPath[str]
    ) -> Template | Redirect:
        return self._act(
            request, principal, members, account_id, lambda: members.suspend(principal, account_id), "Suspended."
        )

    @post("/{account_id:str}/reinstate", sync_to_thread=True)
    def reinstate(
        self, request: Req, principal: SignedIn, members: NamedDependency[MembershipService], account_id: FromPath[str]
    ) -> Template | Redirect:
        return self._act(
            request, principal, members, account_id, lambda: members.reinstate(principal, account_id), "Reinstated."
        )
