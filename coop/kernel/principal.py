"""Who is making a request, as every guard and service sees it."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("member", "reviewer", "steward")
STATUSES = ("applicant", "member", "suspended", "left", "declined")


@dataclass(frozen=True)
class Principal:
    account_id: str
    kind: str  # "member" | "buyer"
    display_name: str
    email: str
    status: str | None = None  # member status; None for buyers
    roles: frozenset[str] = field(default_factory=frozenset)
    org_id: str | None = None
    org_name: str | None = None
    via: str = "session"  # "session" | "token"
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
