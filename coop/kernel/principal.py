"""Who is making a request, as every guard and service sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

AccountKind = Literal["member", "buyer"]  # a member (or applicant) of the co-op, or a buyer of an organisation
Role = Literal["member", "reviewer", "steward"]
Status = Literal["applicant", "member", "suspended", "left", "declined"]  # a member's standing
Via = Literal["session", "token"]  # how the request was signed in: a browser session or an API token
ROLES: tuple[Role, ...] = get_args(Role)
STATUSES: tuple[Status, ...] = get_args(Status)


@dataclass(frozen=True)
class Principal:
    account_id: str
    kind: AccountKind
    display_name: str
    email: str
    status: Status | None = None  # None for buyers
    roles: frozenset[Role] = field(default_factory=frozenset)
    org_id: str | None = None
    org_name: str | None = None
    via: Via = "session"
    scopes: frozenset[str] = frozenset({"read", "write"})
    # The client address of the request (set by the web edge; "" off the web): the password
    # throttle counts the key openings made with it (coop.membership.gate).
    address: str = ""

    @property
    def in_good_standing(self) -> bool:
        return self.kind == "member" and self.status == "member"

    def has_role(self, role: str) -> bool:
        return self.in_good_standing and role in self.roles

    @property
    def is_steward(self) -> bool:
        return self.has_role("steward")

    @property
    def is_buyer(self) -> bool:
        return self.kind == "buyer"
