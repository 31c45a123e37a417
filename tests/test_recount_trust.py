"""Finding 4 of issue 12: a recount trusts only what the co-op signed. A key that registers itself
is not a member's key until the co-op acknowledges it; co-op and member statements enter the log
only through the services, never through POST /log/entries."""

import nacl.signing
import pytest

from governance.recount import recount
from provenance import store
from provenance.core.entry import parse_leaf
from provenance.core.signing import b64, sign_statement

TOKEN = {"Authorization": "Bearer test-append-token"}


@pytest.fixture
def voters(runtime, steward, admit):
    runtime.policies.seed_defaults()
    people = [admit(name) for name in ("ana", "ben", "cat")]
    for person in people:
        runtime.keys.create_custodial_key(person, f"{person.email.split('@')[0]}-password")
    return people


@pytest.fixture
def proposal(runtime, voters):
    """A resolution ana voted yes on; ben and cat have not voted."""
    opened = runtime.governance.propose(
        voters[0], "resolution", "Adopt the thing", "", {"text": "We adopt the thing."}, voting_minutes=60
    )
    runtime.governance.vote_with_password(voters[0], opened.id, "yes", "ana-password")
    return opened


def as_json(statement):
    return {
        "kind": statement.kind,
        "body": dict(statement.body),
        "key": b64(statement.public_key),
        "sig": b64(statement.signature),
    }


def count(runtime, proposal_id, eligible=None):
    eligible = runtime.governance.eligible(proposal_id) if eligible is None else eligible
    with runtime.engine.connect() as conn:
        return recount(
            ((i, leaf) for i, _, leaf in store.iter_entries(conn)), proposal_id, runtime.log.public_key, eligible
        )


def forged_vote(runtime, member, proposal_id, vote="no"):
    """The attack: a key of the attacker's that registers itself for `member`, and a ballot it signs."""
    attacker = nacl.signing.SigningKey.generate()
    registration = sign_statement(attacker, "member.key-registration", runtime.keys.registration_body(member))
    ballot = sign_statement(attacker, "ballot", runtime.governance.ballot_body(member, proposal_id, vote))
    return [registration, ballot]


def test_the_append_endpoint_refuses_a_self_registered_key_and_its_ballot(client, runtime, voters, proposal, log):
    before = log.size()
    response = client.post(
        "/log/entries",
        json={"statements": [as_json(s) for s in forged_vote(runtime, voters[1], proposal.id)]},
        headers=TOKEN,
    )
    assert response.status_code == 403 and "only through the co-op's own services" in response.json()["detail"]
    assert log.size() == before
    assert count(runtime, proposal.id).computed["counts"] == {"yes": 1, "no": 0, "abstain": 0}


@pytest.mark.parametrize(
    "kind",
    [
        "ballot",
        "member.key-registration",
        "member.key-acknowledged",
        "proposal.opened",
        "policy.adopted",
        "contribution",
        "consent.revocation",
        "member.anything-new",
        "proposal.withdrawn",
    ],
)
def test_the_append_endpoint_refuses_every_coop_and_member_kind(client, log, kind):
    statement = sign_statement(nacl.signing.SigningKey.generate(), kind, {"n": 1})
    response = client.post("/log/entries", json={"statements": [as_json(statement)]}, headers=TOKEN)
    assert response.status_code == 403 and log.size() == 0


def test_the_append_endpoint_still_takes_unrelated_kinds(client, log):
    statement = sign_statement(nacl.signing.SigningKey.generate(), "witness.note", {"n": 1})
    response = client.post("/log/entries", json={"statements": [as_json(statement)]}, headers=TOKEN)
    assert response.status_code == 201 and log.size() == 1


def test_a_forged_ballot_already_in_the_log_does_not_change_the_recount(runtime, voters, proposal, log, clock):
    """Even in a log that holds them (written before the endpoint refused them), a self-registered key
    and its ballot are left out: the member's key was never acknowledged by the co-op."""
    first, second = log.append_many(forged_vote(runtime, voters[1], proposal.id))
    result = count(runtime, proposal.id)
    assert result.computed["counts"] == {"yes": 1, "no": 0, "abstain": 0}
    assert [i["entry"] for i in result.ignored] == [second]
    clock.advance(minutes=61)
    runtime.governance.close_due()
    assert count(runtime, proposal.id).matches


def test_a_proposal_opened_by_another_key_is_not_recounted(runtime, voters, log):
    fake = sign_statement(
        nacl.signing.SigningKey.generate(), "proposal.opened", {"proposal": "ab" * 16, "kind": "resolution"}
    )
    log.append(fake)
    with pytest.raises(ValueError, match="no proposal abababab"):
        count(runtime, "ab" * 16, eligible=[])


def test_a_ballot_signed_after_its_key_was_revoked_is_not_counted(runtime, voters, proposal, log):
    ben, ben_key = voters[1], runtime.keys.active_key(voters[1].account_id)
    ballot = runtime.keys.sign_as(ben, "ben-password", "ballot", runtime.governance.ballot_body(ben, proposal.id, "no"))
    runtime.keys.revoke(ben, ben_key.key_id, "")
    late = log.append(ballot)  # signed while valid, but logged after the co-op's revocation
    result = count(runtime, proposal.id)
    assert result.computed["counts"] == {"yes": 1, "no": 0, "abstain": 0} and [i["entry"] for i in result.ignored] == [
        late
    ]


def test_a_ballot_by_a_rotated_in_key_counts_and_the_old_key_no_longer_does(runtime, voters, proposal, log):
    ben = voters[1]
    old_ballot = runtime.keys.sign_as(
        ben, "ben-password", "ballot", runtime.governance.ballot_body(ben, proposal.id, "yes")
    )
    runtime.keys.rotate_custodial(ben, "ben-password")
    runtime.governance.vote_with_password(ben, proposal.id, "no", "ben-password")
    stale = log.append(old_ballot)
    result = count(runtime, proposal.id)
    assert result.computed["counts"] == {"yes": 1, "no": 1, "abstain": 0} and [i["entry"] for i in result.ignored] == [
        stale
    ]


def test_the_coop_acknowledges_each_key_it_registers_right_after_the_registration(runtime, admit, log):
    dee = admit("dee")
    key = runtime.keys.create_custodial_key(dee, "dee-password")
    acknowledgement = parse_leaf(log.entry(key.log_index + 1))
    assert acknowledgement.kind == "member.key-acknowledged" and acknowledgement.public_key == runtime.log.public_key
    assert acknowledgement.body["member"] == dee.account_id and acknowledgement.body["key"] == key.public_key_b64
    assert acknowledgement.body["entry"] == key.log_index and acknowledgement.body["replaces"] is None


def test_the_recount_api_reports_what_it_left_out(client, runtime, voters, proposal, log):
    log.append_many(forged_vote(runtime, voters[2], proposal.id))
    token = client.post(
        "/api/tokens", json={"email": "ana@coop.test", "password": "ana-password", "label": "t", "scopes": ["read"]}
    ).json()["token"]
    body = client.get(f"/api/proposals/{proposal.id}/recount", headers={"Authorization": f"Bearer {token}"}).json()
    assert body["computed"]["counts"] == {"yes": 1, "no": 0, "abstain": 0} and len(body["ignored"]) == 1


def test_coop_init_acknowledges_keys_registered_before_acknowledgements_so_their_ballots_count(
    runtime, voters, admit, log, engine, clock
):
    """A key as the code before acknowledgements left it: its own registration in the log, its rows in
    the database, no acknowledgement. Acknowledged later, it counts from its registration entry on."""

    from coop.kernel.db import write_session
    from coop.membership.models import KeyEvent, MemberKey
    from provenance.core.signing import key_id

    dee, key = admit("dee"), nacl.signing.SigningKey.generate()
    public = bytes(key.verify_key)
    registered = log.append(sign_statement(key, "member.key-registration", runtime.keys.registration_body(dee)))
    with write_session(engine) as session, session.begin():
        session.add(MemberKey(key_id=key_id(public), account_id=dee.account_id, public_key=public, custody="own"))
        session.flush()
        session.add(KeyEvent(key_id=key_id(public), event="registered", at=clock(), log_index=registered))
    opened = runtime.governance.propose(
        voters[0], "resolution", "Adopt the thing", "", {"text": "We adopt the thing."}, voting_minutes=60
    )
    ballot = log.append(sign_statement(key, "ballot", runtime.governance.ballot_body(dee, opened.id, "no")))
    assert [i["entry"] for i in count(runtime, opened.id).ignored] == [ballot]
    assert runtime.keys.acknowledge_earlier_keys() == 1
    assert runtime.keys.acknowledge_earlier_keys() == 0
    result = count(runtime, opened.id)
    assert result.ignored == [] and result.computed["counts"] == {"yes": 0, "no": 1, "abstain": 0}


def test_a_ballot_that_would_follow_its_keys_revocation_in_the_log_is_refused(runtime, voters, proposal, log, clock):
    """What a recount would leave out, the service does not count either: a ballot whose key was
    revoked before the ballot reaches the log (here the clock puts the check before the revocation)."""
    from coop.kernel.errors import Conflict

    ben = voters[1]
    clock.advance(minutes=2)
    ballot = runtime.keys.sign_as(ben, "ben-password", "ballot", runtime.governance.ballot_body(ben, proposal.id, "no"))
    clock.advance(seconds=30)
    runtime.keys.revoke(ben, runtime.keys.active_key(ben.account_id).key_id, "")
    clock.advance(seconds=-60)
    before = log.size()
    with pytest.raises(Conflict, match="revoked or rotated"):
        runtime.governance.cast(ben, proposal.id, ballot)
    assert log.size() == before
