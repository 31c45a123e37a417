"""The log's side of witnessing (docs/witnesses.md): the members adopt a `witnesses` policy by
proposal, the background ticker submits the log's checkpoints to real `coop witness serve`
processes, and `GET /log/checkpoint` carries their cosignatures, checked by the reference verifier
written from the C2SP text. A witness that is down blocks neither appends nor the other witness."""

import time

import pytest

from coop.kernel.errors import Refused
from provenance.core.cosignature import CosignatureVerifier
from provenance.core.signing import sign_statement
from provenance.witness.client import Cosigned, add_checkpoint
from tests import c2sp_cosignature_reference as ref
from tests.witness_processes import WitnessProcess


@pytest.fixture
def witnesses(tmp_path, log):
    started = [
        WitnessProcess(tmp_path / name, f"witness.example/{name}", [log.verifier_key]).keygen().start()
        for name in ("w1", "w2")
    ]
    yield started
    for witness in started:
        witness.stop()


def policy_of(witnesses, k):
    return {"k": k, "witnesses": [{"name": w.name, "vkey": w.vkey, "url": w.url} for w in witnesses]}


def grow(runtime, member_key, start, count):
    runtime.log.append_many([sign_statement(member_key, "test.entry", {"n": n}) for n in range(start, start + count)])
    return runtime.log.latest_checkpoint().size


def wait_for(client, predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        status = client.get("/log/witnesses").json()
        if predicate(status):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.2)


def test_members_adopt_a_witness_policy_by_proposal_and_the_log_serves_it(
    runtime, steward, admit, clock, client, tmp_path
):
    runtime.policies.seed_defaults()
    assert client.get("/log/witnesses").json()["k"] == 0
    assert client.get("/log/witnesses").json()["witnesses"] == []
    voters = [admit(name) for name in ("ana", "ben", "cat")]
    for person in voters:
        runtime.keys.create_custodial_key(person, f"{person.email.split('@')[0]}-password")
    witness = WitnessProcess(tmp_path / "w", "witness.example/w", [runtime.log.verifier_key]).keygen()
    witness.url = "http://127.0.0.1:9/"
    body = policy_of([witness], 1)
    with pytest.raises(Refused, match="k is a whole number from 0 to the number of witnesses"):
        runtime.governance.propose(
            voters[0], "witnesses", "Witnesses", "", {"body": {**body, "k": 2}}, voting_minutes=60
        )
    renamed = {**body, "witnesses": [{**body["witnesses"][0], "name": "someone.else/w"}]}
    with pytest.raises(Refused, match="its vkey names"):
        runtime.governance.propose(voters[0], "witnesses", "Witnesses", "", {"body": renamed}, voting_minutes=60)
    proposal = runtime.governance.propose(
        voters[0], "witnesses", "Witnesses", "One witness.", {"body": body}, voting_minutes=60
    )
    for person in voters:
        runtime.governance.vote_with_password(person, proposal.id, "yes", f"{person.email.split('@')[0]}-password")
    clock.advance(minutes=61)
    runtime.governance.close_due()
    assert runtime.governance.get(proposal.id).result["outcome"] == "adopted"
    served = client.get("/log/witnesses").json()
    assert {"k": served["k"], "witnesses": served["witnesses"]} == body
    assert served["version"] == 2 and served["cosigned"] == {"witness.example/w": None}
    assert served["latest_size_with_k"] is None


def test_two_witnesses_cosign_the_logs_checkpoints_through_the_background_ticker(
    runtime, witnesses, member_key, client
):
    runtime.policies.seed_defaults()
    runtime.policies.adopt("witnesses", policy_of(witnesses, 2), runtime.clock(), "seed")
    appended = 0
    for batch in (3, 70):
        size = grow(runtime, member_key, appended, batch)
        appended += batch
        status = wait_for(client, lambda s, size=size: s["latest_size_with_k"] == size)
        assert status["cosigned"] == {w.name: size for w in witnesses}
        note = client.get("/log/checkpoint").text
        assert f"\n{size}\n" in note
        assert ref.log_signature_verifies(note, runtime.log.verifier_key)
        assert set(ref.cosignature_timestamps(note, [w.vkey for w in witnesses])) == {w.name for w in witnesses}
    assert client.app.state.witness_ticker.rounds > 0


def test_a_witness_that_is_down_blocks_neither_appends_nor_the_other_witness(runtime, witnesses, member_key, client):
    runtime.policies.seed_defaults()
    runtime.policies.adopt("witnesses", policy_of(witnesses, 2), runtime.clock(), "seed")
    first = grow(runtime, member_key, 0, 5)
    wait_for(client, lambda s: s["latest_size_with_k"] == first)
    up, down = witnesses
    down.stop()
    started = time.monotonic()
    second = grow(runtime, member_key, 5, 5)
    assert time.monotonic() - started < 2.0  # the append never waits on a witness
    status = wait_for(client, lambda s: s["cosigned"][up.name] == second)
    assert status["cosigned"][down.name] == first and status["latest_size_with_k"] == first
    note = client.get("/log/checkpoint").text  # the latest checkpoint any witness cosigned: `up` alone
    assert f"\n{second}\n" in note
    assert set(ref.cosignature_timestamps(note, [w.vkey for w in witnesses])) == {up.name}
    down.start()  # back on the same state file, at a new port: the members' policy names the new URL
    runtime.policies.adopt("witnesses", policy_of(witnesses, 2), runtime.clock(), "seed")  # logged: the log grows
    latest = runtime.log.latest_checkpoint().size
    assert latest > second
    wait_for(client, lambda s: s["latest_size_with_k"] == latest)


def test_a_witness_ahead_of_the_logs_records_is_proved_to_from_the_size_it_reports(runtime, witnesses, member_key):
    runtime.policies.seed_defaults()
    runtime.policies.adopt("witnesses", policy_of(witnesses[:1], 1), runtime.clock(), "seed")
    witness = witnesses[0]
    early = grow(runtime, member_key, 0, 9)
    answer = add_checkpoint(  # as another server of the co-op would have, unknown to this table
        witness.url, CosignatureVerifier.parse(witness.vkey), 0, [], runtime.log.latest_checkpoint().note
    )
    assert isinstance(answer, Cosigned)
    size = grow(runtime, member_key, 9, 20)
    assert runtime.witnessing.cosign_latest() == {witness.name: f"cosigned {size}"}
    assert runtime.witnessing.latest_sizes() == {witness.name: size} and early < size
    assert runtime.witnessing.cosign_latest() == {witness.name: f"has {size}"}
