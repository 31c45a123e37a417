"""Demo data, so a newcomer's first `coop serve` shows a living co-op.

Demo accounts use fixed, clearly-demo passwords (printed by `coop demo`); never run it on a
production database. Running it twice adds nothing: it stops if the demo steward exists.
"""

from __future__ import annotations

from coop.membership.errors import Conflict
from coop.runtime import Runtime

DEMO_PASSWORD = "demo-password-123"
DEMO_STEWARD = ("Sam Okonkwo", "steward@demo.coop")
DEMO_MEMBERS = [
    ("Amara Diallo", "amara@demo.coop", "clinical medicine, French", "West Africa", ("member", "reviewer")),
    ("Bo Lindqvist", "bo@demo.coop", "contract law, Swedish", "Nordics", ("member", "reviewer")),
    ("Chidi Eze", "chidi@demo.coop", "Python, data engineering", "West Africa", ("member",)),
    ("Dilnoza Karimova", "dilnoza@demo.coop", "mathematics olympiad coaching", "Central Asia", ("member",)),
]
DEMO_APPLICANTS = [("Elena Ruiz", "elena@demo.coop", "radiology, Spanish", "Iberia")]
DEMO_BUYER = ("Open Model Lab", "Priya Nair", "buyer@demo.coop")


def seed_demo(runtime: Runtime) -> str:
    members = runtime.members
    try:
        steward_id = members.create_steward(*DEMO_STEWARD, DEMO_PASSWORD)
    except Conflict:
        return "demo: already seeded; nothing added"
    steward = members.principal(steward_id)
    assert steward is not None
    runtime.keys.create_custodial_key(steward, DEMO_PASSWORD)
    for name, email, skills, region, roles in DEMO_MEMBERS:
        account_id = members.apply(name, email, DEMO_PASSWORD, skills, region)
        members.admit(steward, account_id, roles)
        member = members.principal(account_id)
        assert member is not None
        runtime.keys.create_custodial_key(member, DEMO_PASSWORD)
    for name, email, skills, region in DEMO_APPLICANTS:
        members.apply(name, email, DEMO_PASSWORD, skills, region)
    members.register_buyer(DEMO_BUYER[0], DEMO_BUYER[1], DEMO_BUYER[2], DEMO_PASSWORD)
    return (
        f"demo: seeded a steward ({DEMO_STEWARD[1]}), {len(DEMO_MEMBERS)} members, {len(DEMO_APPLICANTS)} applicant(s) "
        f"and a buyer ({DEMO_BUYER[2]}); every demo password is '{DEMO_PASSWORD}'. Log size {runtime.log.size()}."
    )
