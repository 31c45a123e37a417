"""The payouts' port onto the members' `payout-approvals` policy (ledger.ports.PayoutPolicy)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from coop.kernel.errors import Refused
from governance.policies import NoPolicy, PolicyService
from ledger.payout_rules import POLICY, ApprovalPolicy


def payout_policy(policies: PolicyService) -> Callable[[datetime], ApprovalPolicy]:
    """The version in force at a time, as the ledger's rules read it. No version in force is a refusal,
    never a run without the rule: `coop init` seeds version 1 into an existing database."""

    def in_force(at: datetime) -> ApprovalPolicy:
        try:
            policy = policies.in_force(POLICY, at)
        except NoPolicy as error:
            raise Refused(f"{error}: run `coop init` to seed it before proposing payout runs") from error
        return ApprovalPolicy(
            policy.version, int(policy.body["approvals_required"]), int(policy.body["recent_admission_days"])
        )

    return in_force
