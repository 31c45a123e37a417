"""Withdrawals reach licensees (issue 15, part 4): a revocation after a license reaches that
licensee's signed, logged feed — and no other — and the buyer verifies each notice offline."""

import json
from types import SimpleNamespace

import pytest

from coop.kernel.errors import NotAllowed
from coop.lineage.withdrawal_verify import WithdrawalsInvalid, verify_withdrawals
from tests.conftest import TERMS

GOOD = {"correctness": 5, "completeness": 4, "clarity": 4}


@pytest.fixture
def market(runtime, work):
    """Two accepted contributions by Amara, each in its own release; two buyer organisations."""

    def accepted(text):
        draft = runtime.contributions.draft(work.author, work.task.id, text.encode(), "text/plain", 20, TERMS)
        c = runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")
        for reviewer in work.reviewers[:2]:
            runtime.reviews.review(reviewer, c.id, GOOD, "good")
        return runtime.contributions.get(work.author, c.id)

    first = accepted("a1")
    release = runtime.datasets.cut_release(work.steward, "QA v1", "", [work.task.id], ["model-training"], 1000, "EUR")
    second = accepted("a2")
    later = runtime.datasets.cut_release(work.steward, "QA v2", "", [work.task.id], ["model-training"], 1000, "EUR")

    def buyer(org, name):
        return runtime.members.principal(
            runtime.members.register_buyer(org, name, f"{name.lower()}@{org.lower()}.test", f"{name}-password")
        )

    return SimpleNamespace(
        first=first, second=second, release=release, later=later, acme=buyer("Acme", "Dana"), other=buyer("Beta", "Eli")
    )


def _license(runtime, buyer, release, key):
    return runtime.datasets.license(buyer, release.id, ["model-training"], None, True, key)


def _revoke(runtime, work, contribution):
    return runtime.contributions.revoke_consent_with_password(work.author, contribution.id, "amara-password")


def test_a_revocation_after_a_license_reaches_that_licensees_feed(runtime, market, work):
    license = _license(runtime, market.acme, market.release, "l1")
    revocation = _revoke(runtime, work, market.first)
    feed = runtime.withdrawals.feed(market.acme, license.id)
    [notice] = feed["notices"]
    assert notice["sequence"] == 1 and notice["revocation_entry"] == revocation
    assert notice["contribution_entry"] == market.first.acceptance_index
    assert notice["content_sha256"] == market.first.content_sha256
    logged = json.loads(runtime.log.entry(notice["index"]))
    assert logged["kind"] == "license.withdrawal" and logged["body"]["license"] == license.id
    assert logged["kind"] == "license.withdrawal" and logged["body"]["license"] == license.id


def test_a_notice_verifies_offline_against_the_log(runtime, market, work):
    license = _license(runtime, market.acme, market.release, "l1")
    _revoke(runtime, work, market.first)
    feed = json.dumps(runtime.withdrawals.feed(market.acme, license.id)).encode()
    report = verify_withdrawals(feed, trusted_key=runtime.log.verifier_key)
    assert report.license == license.id and len(report.notices) == 1


def test_a_changed_notice_does_not_verify(runtime, market, work):
    license = _license(runtime, market.acme, market.release, "l1")
    _revoke(runtime, work, market.first)
    feed = runtime.withdrawals.feed(market.acme, license.id)
    feed["notices"][0]["content_sha256"] = "0" * 64
    with pytest.raises(WithdrawalsInvalid, match="differs from the signed, logged one"):
        verify_withdrawals(json.dumps(feed).encode(), trusted_key=runtime.log.verifier_key)


def test_a_notice_left_out_of_the_feed_is_noticed(runtime, market, work):
    license = _license(runtime, market.acme, market.later, "l1")
    _revoke(runtime, work, market.first)
    _revoke(runtime, work, market.second)
    feed = runtime.withdrawals.feed(market.acme, license.id)
    del feed["notices"][0]
    with pytest.raises(WithdrawalsInvalid, match="a notice is missing"):
        verify_withdrawals(json.dumps(feed).encode(), trusted_key=runtime.log.verifier_key)


def test_a_feed_under_another_key_does_not_verify(runtime, market, work):
    license = _license(runtime, market.acme, market.release, "l1")
    _revoke(runtime, work, market.first)
    feed = json.dumps(runtime.withdrawals.feed(market.acme, license.id)).encode()
    other = "coop.test+00000000+AQ" + "A" * 42 + "="
    with pytest.raises(WithdrawalsInvalid):
        verify_withdrawals(feed, trusted_key=other)


def test_polling_after_a_sequence_returns_only_later_notices(runtime, market, work):
    license = _license(runtime, market.acme, market.later, "l1")
    _revoke(runtime, work, market.first)
    _revoke(runtime, work, market.second)
    feed = runtime.withdrawals.feed(market.acme, license.id, after=1)
    assert [n["sequence"] for n in feed["notices"]] == [2]
    assert feed["notices"][0]["contribution_entry"] == market.second.acceptance_index
    assert len(verify_withdrawals(json.dumps(feed).encode(), runtime.log.verifier_key).notices) == 1


def test_a_license_without_the_item_gets_no_notice(runtime, market, work):
    license = _license(runtime, market.acme, market.release, "l1")  # holds only the first item
    _revoke(runtime, work, market.second)
    assert runtime.withdrawals.feed(market.acme, license.id)["notices"] == []


def test_another_organisations_license_of_the_item_is_told_separately(runtime, market, work):
    ours = _license(runtime, market.acme, market.release, "l1")
    theirs = _license(runtime, market.other, market.later, "l2")
    _revoke(runtime, work, market.second)  # in the later release only
    assert runtime.withdrawals.feed(market.acme, ours.id)["notices"] == []
    assert [n["sequence"] for n in runtime.withdrawals.feed(market.other, theirs.id)["notices"]] == [1]


def test_a_license_granted_after_the_revocation_gets_no_notice(runtime, market, work):
    _revoke(runtime, work, market.first)
    license = _license(runtime, market.acme, market.later, "l1")  # leaves the revoked item out
    assert license.included_count == 1
    assert runtime.withdrawals.feed(market.acme, license.id)["notices"] == []


def test_a_revocation_before_any_license_logs_no_notice(runtime, market, work):
    before = runtime.log.size()
    _revoke(runtime, work, market.first)
    assert runtime.log.size() == before + 1  # the revocation alone
    assert runtime.withdrawals.unread_counts(market.acme) == {}


def test_revoking_again_sends_no_second_notice(runtime, market, work):
    license = _license(runtime, market.acme, market.release, "l1")
    first = _revoke(runtime, work, market.first)
    assert _revoke(runtime, work, market.first) == first
    assert len(runtime.withdrawals.feed(market.acme, license.id)["notices"]) == 1


def test_reading_the_notices_brings_the_unread_count_down(runtime, market, work):
    license = _license(runtime, market.acme, market.later, "l1")
    _revoke(runtime, work, market.first)
    _revoke(runtime, work, market.second)
    assert runtime.withdrawals.unread_counts(market.acme) == {license.id: 2}
    assert runtime.withdrawals.mark_read(market.acme, license.id, up_to=1) == 1
    assert runtime.withdrawals.unread_counts(market.acme) == {license.id: 1}
    assert runtime.withdrawals.mark_read(market.acme, license.id) == 2
    assert runtime.withdrawals.unread_counts(market.acme) == {}
    assert runtime.withdrawals.feed(market.acme, license.id)["unread"] == 0


def test_another_organisation_cannot_read_the_feed(runtime, market, work):
    license = _license(runtime, market.acme, market.release, "l1")
    _revoke(runtime, work, market.first)
    with pytest.raises(NotAllowed):
        runtime.withdrawals.feed(market.other, license.id)
    with pytest.raises(NotAllowed):
        runtime.withdrawals.mark_read(market.other, license.id)


def test_a_member_outside_the_organisation_cannot_read_the_feed(runtime, market, work):
    license = _license(runtime, market.acme, market.release, "l1")
    with pytest.raises(NotAllowed):
        runtime.withdrawals.feed(work.author, license.id)


def test_a_steward_reads_the_feed_but_does_not_mark_it_read(runtime, market, work):
    license = _license(runtime, market.acme, market.release, "l1")
    _revoke(runtime, work, market.first)
    assert len(runtime.withdrawals.feed(work.steward, license.id)["notices"]) == 1
    with pytest.raises(NotAllowed):
        runtime.withdrawals.mark_read(work.steward, license.id)
    assert runtime.withdrawals.unread_counts(market.acme) == {license.id: 1}


# -- the web edge and the command line ---------------------------------------------------------


def test_the_licensee_polls_the_feed_through_the_api(runtime, market, work, client):
    license = _license(runtime, market.acme, market.later, "l1")
    _revoke(runtime, work, market.first)
    _revoke(runtime, work, market.second)
    token = runtime.auth.create_token(market.acme, "poll", ["read"])
    response = client.get(
        f"/api/licenses/{license.id}/withdrawals?after=1", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    assert [n["sequence"] for n in response.json()["notices"]] == [2]
    assert verify_withdrawals(response.content, runtime.log.verifier_key).license == license.id


def test_another_organisation_gets_403_from_the_api(runtime, market, work, client):
    license = _license(runtime, market.acme, market.release, "l1")
    token = runtime.auth.create_token(market.other, "poll", ["read"])
    response = client.get(f"/api/licenses/{license.id}/withdrawals", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and "licensee" in response.json()["detail"]


def test_the_license_list_counts_unread_notices_until_they_are_read(runtime, market, work, browse):
    license = _license(runtime, market.acme, market.release, "l1")
    _revoke(runtime, work, market.first)
    buyer = browse(market.acme)
    assert "1 unread" in buyer.get("/licenses").text
    page = buyer.get(f"/licenses/{license.id}/withdrawals")
    assert page.status_code == 200 and market.first.content_sha256 in page.text and "1 unread" in page.text
    assert buyer.post(f"/licenses/{license.id}/withdrawals/read").status_code in (302, 303)
    assert "unread</strong>" not in buyer.get("/licenses").text
    assert "0 unread" in buyer.get(f"/licenses/{license.id}/withdrawals").text


def test_the_buyers_home_page_counts_unread_notices(runtime, market, work, browse):
    _license(runtime, market.acme, market.release, "l1")
    _revoke(runtime, work, market.first)
    assert "1 unread withdrawal notice<" in browse(market.acme).get("/").text
    assert "unread withdrawal" not in browse(market.other).get("/").text


def test_another_organisation_gets_403_from_the_portal(runtime, market, work, browse):
    license = _license(runtime, market.acme, market.release, "l1")
    assert browse(market.other).get(f"/licenses/{license.id}/withdrawals").status_code == 403


def test_coop_withdrawals_verify_checks_a_saved_feed_without_a_database(runtime, market, work, tmp_path):
    import os
    import subprocess
    import sys

    license = _license(runtime, market.acme, market.release, "l1")
    _revoke(runtime, work, market.first)
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(runtime.withdrawals.feed(market.acme, license.id)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOP_")}
    env["COOP_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # unreachable: must not be used

    def run(*extra):
        command = [sys.executable, "-m", "web.cli", "withdrawals", "verify", str(path), *extra]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=os.getcwd(), timeout=60)

    result = run("--key", runtime.log.verifier_key)
    assert result.returncode == 0, result.stderr
    assert "withdrawal feed verified" in result.stdout and "1 notices" in result.stdout
    path.write_text(path.read_text().replace(market.first.content_sha256, "0" * 64))
    assert run().returncode == 1


def test_the_database_refuses_to_change_or_delete_a_notice_or_a_read(runtime, market, work):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    license = _license(runtime, market.acme, market.release, "l1")
    _revoke(runtime, work, market.first)
    runtime.withdrawals.mark_read(market.acme, license.id)
    for statement in (
        "UPDATE license_withdrawal SET sequence = 9",
        "DELETE FROM license_withdrawal",
        "UPDATE license_withdrawal_read SET up_to = 0",
        "DELETE FROM license_withdrawal_read",
    ):
        with pytest.raises(DBAPIError, match="append-only"), runtime.engine.begin() as conn:
            conn.execute(text(statement))


def test_two_revocations_at_once_number_their_notices_one_and_two(runtime, market, work):
    from concurrent.futures import ThreadPoolExecutor

    license = _license(runtime, market.acme, market.later, "l1")
    bodies = [runtime.contributions.revocation_body(work.author, c.id) for c in (market.first, market.second)]
    signed = [runtime.keys.sign_as(work.author, "amara-password", "consent.revocation", b) for b in bodies]
    with ThreadPoolExecutor(2) as pool:
        list(
            pool.map(
                lambda pair: runtime.contributions.revoke_consent(work.author, pair[0].id, pair[1]),
                zip((market.first, market.second), signed, strict=True),
            )
        )
    feed = runtime.withdrawals.feed(market.acme, license.id)
    assert sorted(n["sequence"] for n in feed["notices"]) == [1, 2]
    assert len(verify_withdrawals(json.dumps(feed).encode(), runtime.log.verifier_key).notices) == 2
