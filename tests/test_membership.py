"""Membership: applying, admission by a steward, roles, suspension, leaving, buyers."""

import json

import pytest

from coop.kernel.errors import Conflict, NotAllowed, Refused
from provenance.audit import audit_log
from tests.conftest import ORIGIN


def test_an_applicant_is_admitted_by_a_steward_and_the_log_records_it_pseudonymously(runtime, steward):
    account_id = runtime.members.apply(
        "Amara Okafor", "amara@coop.test", "a-long-password", skills="medicine", region="West Africa"
    )
    assert runtime.members.principal(account_id).status == "applicant"
    index = runtime.members.admit(steward, account_id, ["reviewer"])
    member = runtime.members.principal(account_id)
    assert member.in_good_standing and member.roles == {"member", "reviewer"}
    entry = runtime.log.entry(index).decode()
    assert json.loads(entry)["kind"] == "member.admitted"
    assert account_id in entry and "Amara" not in entry and "amara@" not in entry


def test_only_stewards_admit(runtime, admit):
    bo = admit("bo")
    applicant = runtime.members.apply("Cy", "cy@coop.test", "cy-password-1")
    with pytest.raises(NotAllowed):
        runtime.members.admit(bo, applicant)


def test_an_email_can_hold_only_one_account(runtime):
    runtime.members.apply("A", "same@coop.test", "password-one")
    with pytest.raises(Conflict):
        runtime.members.register_buyer("Org", "B", "SAME@coop.test", "password-two")


@pytest.mark.parametrize(
    "name,email,password,reason",
    [
        ("", "x@coop.test", "long-enough-pw", "name"),
        ("X", "not-an-email", "long-enough-pw", "email"),
        ("X", "x@coop.test", "short", "password"),
    ],
)
def test_bad_applications_say_what_is_wrong(runtime, name, email, password, reason):
    with pytest.raises(ValueError, match=reason):
        runtime.members.apply(name, email, password)


def test_suspension_is_logged_and_stops_sign_in(runtime, steward, admit):
    bo = admit("bo")
    runtime.members.suspend(steward, bo.account_id)
    with pytest.raises(NotAllowed, match="suspended"):
        runtime.auth.check_credentials("bo@coop.test", "bo-password", "1.2.3.4")
    runtime.members.reinstate(steward, bo.account_id)
    assert runtime.auth.check_credentials("bo@coop.test", "bo-password", "1.2.3.4").in_good_standing


def test_a_member_can_leave(runtime, admit):
    bo = admit("bo")
    runtime.members.leave(bo)
    assert runtime.members.principal(bo.account_id).status == "left"


def test_role_changes_keep_the_member_role_and_stewards_cannot_demote_themselves(runtime, steward, admit):
    bo = admit("bo")
    runtime.members.set_roles(steward, bo.account_id, ["steward"])
    assert runtime.members.principal(bo.account_id).roles == {"member", "steward"}
    with pytest.raises(Refused):
        runtime.members.set_roles(steward, steward.account_id, ["reviewer"])


def test_buyers_belong_to_an_organisation_and_are_not_members(runtime):
    account_id = runtime.members.register_buyer("Acme AI", "Dana", "dana@acme.test", "dana-password")
    buyer = runtime.members.principal(account_id)
    assert buyer.is_buyer and buyer.org_name == "Acme AI" and not buyer.in_good_standing


def test_membership_log_entries_keep_the_log_verifiable(runtime, steward, admit, engine, signer):
    admit("bo")
    runtime.members.set_roles(steward, admit("cy").account_id, ["reviewer"])
    report = audit_log(engine, signer.verifier, ORIGIN)
    assert report.entries == 4  # the steward's bootstrap admission, two admissions, one role change
