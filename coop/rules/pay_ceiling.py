"""The pay ceiling: the most one steward may put a task's pay at alone (issue 16, "no one alone moves
money"). Above it a task is opened but cannot be worked — no claims, no submissions, no acceptance,
no base pay — until another steward approves it with a signed, logged statement.

The governed policy `pay-ceiling` is {per_unit_minor: {currency: minor units}, per_task_minor:
{currency: minor units}}: the highest pay per unit, and the highest total base pay one task may
commit (the pay of its work submitted, in review or accepted), that a steward may let stand alone.
A currency a map does not name has no allowance: every task in it needs a second steward (a ceiling
that forgot a currency must not become a way round it). Integers only, as everywhere in money.

Pure functions on plain data, so the check a member redoes by hand gives the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coop.kernel.errors import Refused
from coop.kernel.money import UnknownCurrency, check_currency

KEYS = ("per_unit_minor", "per_task_minor")
MAX_CEILING = 10**15  # minor units: far above any real task, small enough for every database's BIGINT


def check_ceiling_policy(body: Any) -> None:
    """Refuse a pay-ceiling body that could not be enacted, with the reason."""
    if not isinstance(body, dict) or set(body) != set(KEYS):
        raise Refused(
            "a pay ceiling is {per_unit_minor: {currency: minor units}, per_task_minor: {currency: minor units}}"
        )
    for key in KEYS:
        amounts = body[key]
        if not isinstance(amounts, dict) or len(amounts) > 20:
            raise Refused(f"{key} maps up to 20 currencies to whole numbers of minor units")
        for currency, amount in amounts.items():
            try:
                check_currency(currency)
            except UnknownCurrency as error:
                raise Refused(str(error)) from error
            if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= MAX_CEILING:
                raise Refused(f"{key} for {currency} must be a whole number of minor units from 1 to {MAX_CEILING}")


@dataclass(frozen=True)
class Approved:
    """What one second steward's approval allows: the task's pay per unit up to `pay_per_unit`, and its
    committed pay up to `budget_minor`."""

    pay_per_unit: int
    budget_minor: int


@dataclass(frozen=True)
class Hold:
    """Why a task waits for a second steward: `what` is "rate" or "budget"."""

    what: str
    reason: str


def holds(
    policy: Mapping[str, Any],
    version: int,
    currency: str,
    pay_per_unit: int,
    committed: int | None,
    approvals: Sequence[Approved],
) -> list[Hold]:
    """What stops the task being worked, given the ceiling in force, its rate, the pay it commits (with
    any submission being made counted in; None: the rate alone is judged) and the approvals other
    stewards gave. Empty: it may be worked."""
    found = []
    unit_ceiling = policy["per_unit_minor"].get(currency)
    task_ceiling = policy["per_task_minor"].get(currency)
    rate_ok = unit_ceiling is not None and pay_per_unit <= int(unit_ceiling)
    if not rate_ok and not any(a.pay_per_unit >= pay_per_unit for a in approvals):
        limit = (
            f"the ceiling of {unit_ceiling} {currency}" if unit_ceiling is not None else f"no ceiling for {currency}"
        )
        found.append(
            Hold(
                "rate",
                f"pay of {pay_per_unit} {currency} minor units per unit is above what one steward may open alone "
                f"({limit}, pay-ceiling v{version}): awaiting a second steward's approval",
            )
        )
    allowed = max([int(task_ceiling)] if task_ceiling is not None else [0])
    allowed = max([allowed] + [a.budget_minor for a in approvals if a.pay_per_unit >= pay_per_unit])
    if committed is not None and committed > allowed:
        found.append(
            Hold(
                "budget",
                f"the task's pay would total {committed} {currency} minor units, above the {allowed} one steward "
                f"may let a task commit alone (pay-ceiling v{version}): awaiting a second steward's approval",
            )
        )
    return found


def default_budget(policy: Mapping[str, Any], currency: str, committed: int) -> int:
    """The budget an approval gives when the approver names none: the per-task ceiling, or what the task
    already commits if that is more (an approval never leaves a task still held by what it approved)."""
    ceiling = policy["per_task_minor"].get(currency)
    return max(int(ceiling) if ceiling is not None else 0, committed, 1)
