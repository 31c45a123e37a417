"""Lists that grow with the co-op are logged as a count and Merkle root, kept beside the log, and
checked against that commitment by whoever uses them: a proposal's eligible members (served
publicly, used by the recount) and a release's items (carried in the bundle, used by `coop verify`)."""

import json
import uuid

import pytest

from coop.kernel.db import write_session
from coop.lineage.verify import BundleInvalid, verify_bundle
from coop.membership.models import Account, Member
from governance.recount import EligibleMismatch, recount
from provenance import store
from provenance.core.canonical import canonical_json
from provenance.core.commitment import list_root
from tests.test_bundle import release_bundle  # noqa: F401  (fixture)
from tests.test_governance import NEW_FLOOR, password, voters  # noqa: F401  (fixture)
from tests.test_money import market  # noqa: F401  (fixture)

MEMBERS = 1_500


@pytest.fixture
def big_proposal(runtime, voters, engine, clock):
    """A proposal opened when the co-op has 1,500 members besides the four voters (rows written
    directly: admitting each through the service would hash 1,500 passwords)."""
    with write_session(engine) as session, session.begin():
        for n in range(MEMBERS):
            account = uuid.uuid4().hex
            session.add(
                Account(
                    id=account,
                    kind="member",
                    display_name=f"m{n}",
                    email=f"m{n}@bulk.test",
                    password_hash="!",
                    created_at=clock(),
                )
            )
            session.flush()
            session.add(Member(account_id=account, status="member", applied_at=clock(), admitted_at=clock()))
    return runtime.governance.propose(
        voters[0], "pay-floor", "Raise the floor", "", {"body": NEW_FLOOR}, voting_minutes=60
    )


def log_recount(runtime, proposal_id, eligible):
    with runtime.engine.connect() as conn:
        return recount(
            ((i, leaf) for i, _, leaf in store.iter_entries(conn)), proposal_id, runtime.log.public_key, eligible
        )


def test_a_proposal_with_1500_eligible_members_opens_with_a_small_log_entry(runtime, big_proposal):
    leaf = runtime.log.entry(big_proposal.log_index)
    body = json.loads(leaf)["body"]
    assert big_proposal.eligible_count > MEMBERS and body["eligible_count"] == big_proposal.eligible_count
    assert "eligible" not in body and len(leaf) < 4_000


def test_the_served_eligible_list_is_public_and_matches_the_logged_root(runtime, client, big_proposal):
    answer = client.get(f"/api/proposals/{big_proposal.id}/eligible")  # no sign-in: anyone may check it
    assert answer.status_code == 200
    served = answer.json()["eligible"]
    body = json.loads(runtime.log.entry(big_proposal.log_index))["body"]
    assert (
        served == sorted(served)
        and len(served) == body["eligible_count"]
        and list_root(served) == body["eligible_root"]
    )


def test_a_vote_with_1500_eligible_members_closes_and_recounts_to_the_logged_result(
    runtime, voters, big_proposal, clock
):
    for member in voters:
        runtime.governance.vote_with_password(member, big_proposal.id, "yes", password(member))
    clock.advance(minutes=61)
    runtime.governance.close_due()
    result = log_recount(runtime, big_proposal.id, runtime.governance.eligible(big_proposal.id))
    assert (
        result.matches
        and result.computed["outcome"] == "no_quorum"
        and result.computed["quorum"]["eligible"] == big_proposal.eligible_count
    )
    assert result.logged["counted"] == {
        "count": 4,
        "root": list_root(result.computed["counted"]),
    }  # the result logs its lists as commitments


@pytest.mark.parametrize("tamper", ["drop", "add", "swap"])
def test_a_recount_refuses_an_eligible_list_the_log_does_not_commit_to(runtime, big_proposal, tamper):
    eligible = runtime.governance.eligible(big_proposal.id)
    changed = {"drop": eligible[1:], "add": [*eligible, "f" * 32], "swap": [*eligible[:-1], "f" * 32]}[tamper]
    with pytest.raises(EligibleMismatch, match="refused: the eligible list of proposal"):
        log_recount(runtime, big_proposal.id, changed)


def test_the_recount_api_uses_the_stored_eligible_list(client, big_proposal):
    token = client.post(
        "/api/tokens", json={"email": "ana@coop.test", "password": "ana-password", "label": "t", "scopes": ["read"]}
    ).json()["token"]
    answer = client.get(f"/api/proposals/{big_proposal.id}/recount", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json()["computed"]["quorum"]["eligible"] == big_proposal.eligible_count


# -- release items in the bundle --------------------------------------------------------------------


def resigned(runtime, bundle: bytes, change) -> bytes:
    """The bundle with its item list changed and signed again by the co-op key: what a co-op that
    kept a different list beside the log than the one it logged would hand out."""
    body = json.loads(bundle[: bundle.index(b"\n")])
    body["items"] = change(body["items"])
    return runtime.log.signer.sign(canonical_json(body).decode() + "\n").encode()


def test_a_release_manifest_logs_no_item_list_and_its_bundle_carries_it(runtime, market, release_bundle):
    body = json.loads(release_bundle[: release_bundle.index(b"\n")])
    manifest = json.loads(runtime.log.entry(market.release.log_index))["body"]
    assert (
        "items" not in manifest
        and list_root(body["items"]) == manifest["items_root"]
        and len(body["items"]) == manifest["item_count"]
    )
    assert verify_bundle(release_bundle).items == 3


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda items: items[1:], "has 2 items but the log commits to 3"),
        (
            lambda items: [*items, {"entry": items[-1]["entry"] + 1000, "content_sha256": "ab" * 32}],
            "has 4 items but the log commits to 3",
        ),
        (
            lambda items: [*items[:-1], {**items[-1], "content_sha256": "ab" * 32}],
            "does not have the Merkle root the log states",
        ),
    ],
    ids=["removed", "added", "changed"],
)
def test_a_bundle_whose_item_list_differs_from_the_logged_root_fails_with_the_reason(
    runtime, release_bundle, change, reason
):
    with pytest.raises(BundleInvalid, match=reason):
        verify_bundle(resigned(runtime, release_bundle, change))
