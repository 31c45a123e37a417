"""Anyone recounts a vote: an anonymous client asks the public recount and gets the result the log
published, and can check it against the logged `proposal.result` entry itself."""

import json

import pytest


@pytest.fixture
def closed_vote(runtime, steward, admit, clock):
    runtime.policies.seed_defaults()
    voters = [admit(name) for name in ("ana", "ben", "cat")]
    for voter in voters:
        runtime.keys.create_custodial_key(voter, f"{voter.email.split('@')[0]}-password")
    proposal = runtime.governance.propose(
        voters[0], "resolution", "Adopt a logo", "", {"text": "The green square."}, voting_minutes=60
    )
    for voter, vote in zip(voters, ("yes", "no", "yes"), strict=True):
        runtime.governance.vote_with_password(voter, proposal.id, vote, f"{voter.email.split('@')[0]}-password")
    clock.advance(minutes=61)
    runtime.governance.close_due()
    return proposal.id


def test_an_anonymous_client_recounts_a_closed_vote_and_gets_the_published_result(client, closed_vote):
    client.cookies.clear()
    answer = client.get(f"/api/proposals/{closed_vote}/recount")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["matches"] and body["computed"]["counts"] == body["logged"]["counts"] == {
        "yes": 2,
        "no": 1,
        "abstain": 0,
    }
    assert body["computed"]["outcome"] == body["logged"]["outcome"] == "adopted"
    size = int(client.get("/log/checkpoint").text.splitlines()[1])
    results = [json.loads(client.get(f"/log/entries/{i}").content) for i in range(size)]
    published = [e["body"] for e in results if e["kind"] == "proposal.result" and e["body"]["proposal"] == closed_vote]
    assert len(published) == 1 and published[0]["result"]["outcome"] == "adopted"
    assert published[0]["result"]["counts"] == body["computed"]["counts"]


def test_a_recount_replayed_from_the_public_log_over_http_gives_the_published_result(client, closed_vote):
    from web.cli.recount_remote import replay

    client.cookies.clear()

    def fetch(path):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text)
        return answer.content

    result = replay(fetch, closed_vote)
    assert result.matches and result.computed["counts"] == {"yes": 2, "no": 1, "abstain": 0}
    assert result.logged["outcome"] == "adopted"


def test_a_replay_refuses_entries_that_do_not_hash_to_the_signed_checkpoint(client, closed_vote):
    import pytest

    from governance.recount import RecountError
    from web.cli.recount_remote import replay

    def tampered(path):
        body = client.get(path).content
        return body.replace(b'"yes"', b'"no"') if path.startswith("/log/entries/") else body

    with pytest.raises(RecountError, match="do not hash"):
        replay(tampered, closed_vote)
