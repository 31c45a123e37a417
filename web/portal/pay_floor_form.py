"""The pay-floor proposal form, read and shown in major units with the currency.

Members type the new hourly minimum as people write money ("24.00" for EUR); it is converted once,
here, to the integer minor units per hour that the proposal's options, the policy and the JSON API
carry (`hourly_minimum`: {"EUR": 2400}). A bad amount ("24.005", "abc") is refused next to its
currency's field. The proposal's page shows the proposed floor beside the one in force when the
vote opened, both in major units, above the JSON diff (which keeps the stored minor units)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from governance.policies import NoPolicy, PolicyService
from governance.service import ProposalView
from web.inputs import whole_number
from web.portal.common import amount_value, text_value


def floor_currencies(floor: Mapping[str, Any]) -> list[str]:
    """The currencies a pay-floor proposal sets: those of the floor in force (its policy owns them)."""
    return sorted(floor["hourly_minimum"])


def pay_floor_options(data: dict[str, Any], currencies: list[str]) -> dict[str, Any]:
    """The options of a pay-floor proposal from its form: each filled `floor_<CUR>` in minor units."""
    floors = {}
    for currency in currencies:
        if text_value(data, f"floor_{currency}").strip():
            floors[currency] = amount_value(data, f"floor_{currency}", currency, f"the {currency} floor per hour")
    flag = text_value(data, "flag_after_accepted").strip()
    return {
        "body": {
            "hourly_minimum": floors,
            "flag_after_accepted": whole_number(flag, "flag after accepted", 0) if flag else 0,
        }
    }


def floor_changes(policies: PolicyService, proposal: ProposalView) -> list[dict[str, Any]]:
    """For a pay-floor proposal: per currency, the proposed hourly minimum and the one it replaces
    (None where there was none), in minor units for the template's `money`."""
    if proposal.kind != "pay-floor":
        return []
    try:
        before = policies.in_force("pay-floor", proposal.opens_at).body["hourly_minimum"]
    except NoPolicy:
        before = {}
    proposed = proposal.options["body"]["hourly_minimum"]
    return [
        {"currency": c, "proposed": proposed.get(c), "before": before.get(c)}
        for c in sorted(set(proposed) | set(before))
    ]
