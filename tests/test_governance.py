"""Governance on a real database: proposals, signed ballots, closing on time, enactment, recount."""

import json

import pytest

from coop.kernel.errors import Conflict, NotAllowed, Refused
from coop.work.tasks import TaskSpec
from governance.defaults import RUBRICS
from governance.recount import recount, recount_log
from provenance import store

NEW_FLOOR = {"hourly_minimum": {"EUR": 2400, "USD": 2600, "GBP": 2100}, "flag_after_accepted": 5}


@pytest.fixture
def voters(runtime, steward, admit):
    runtime.policies.seed_defaults()
    people = [admit(name) for name in ("ana", "ben", "cat", "dev")]
    for person in people:
        runtime.keys.create_custodial_key(person, f"{person.email.split('@')[0]}-password")
    return people


def password(member):
    return f"{member.email.split('@')[0]}-password"


def cheap_task():
    return TaskSpec("P", "Label sentiment", "-", "evaluation", "item", 10, 350, "EUR", ["model-training"])  # 2100/h


def test_a_higher_pay_floor_passes_at_close_and_binds_new_tasks_only(runtime, voters, steward, clock):
    existing = runtime.tasks.open(steward, cheap_task())
    proposal = runtime.governance.propose(
        voters[0], "pay-floor", "Raise the floor", "Rent went up.", {"body": NEW_FLOOR}, voting_minutes=60
    )
    for member, vote in zip(voters, ("yes", "yes", "no", "yes")):
        runtime.governance.vote_with_password(member, proposal.id, vote, password(member))
    clock.advance(minutes=61)
    runtime.governance.close_due()  # the ticker's step, when the time is up
    closed = runtime.governance.get(proposal.id)
    assert closed.status == "closed" and closed.result["outcome"] == "adopted"
    assert closed.result["counts"] == {"yes": 3, "no": 1, "abstain": 0}
    assert runtime.policies.in_force("pay-floor").version == 2
    assert runtime.policies.in_force("pay-floor").adopted_via == f"proposal:{proposal.id}"
    with pytest.raises(Refused, match="below the floor of 24.00 EUR"):
        runtime.tasks.open(steward, cheap_task())
    assert runtime.tasks.get(existing.id).pay_floor_version == 1


def test_a_changed_vote_counts_once(runtime, voters, clock):
    proposal = runtime.governance.propose(
        voters[0], "resolution", "Adopt a logo", "", {"text": "The green square."}, voting_minutes=60
    )
    runtime.governance.vote_with_password(voters[1], proposal.id, "no", password(voters[1]))
    clock.advance(minutes=1)
    runtime.governance.vote_with_password(voters[1], proposal.id, "yes", password(voters[1]))
    clock.advance(minutes=60)
    runtime.governance.close_due()
    result = runtime.governance.get(proposal.id).result
    assert result["counts"] == {"yes": 1, "no": 0, "abstain": 0}


def test_without_quorum_nothing_is_adopted(runtime, voters, clock):
    proposal = runtime.governance.propose(
        voters[0], "pay-floor", "Raise the floor", "", {"body": NEW_FLOOR}, voting_minutes=60
    )
    clock.advance(minutes=61)
    runtime.governance.close_due()
    assert runtime.governance.get(proposal.id).result["outcome"] == "no_quorum"
    assert runtime.policies.in_force("pay-floor").version == 1


def test_formula_changes_need_two_thirds(runtime, voters, clock):
    body = {"reserve_bps": 500, "reviewer_bps": 1500, "weight": "minutes"}
    proposal = runtime.governance.propose(
        voters[0], "revenue-formula", "Pay reviewers more", "", {"body": body}, voting_minutes=60
    )
    assert proposal.threshold == "two-thirds"
    for member, vote in zip(voters, ("yes", "yes", "no", "no")):
        runtime.governance.vote_with_password(member, proposal.id, vote, password(member))
    clock.advance(minutes=61)
    runtime.governance.close_due()
    assert runtime.governance.get(proposal.id).result["outcome"] == "rejected"


def test_late_ineligible_replayed_and_malformed_ballots_are_refused(runtime, voters, admit, clock):
    proposal = runtime.governance.propose(voters[0], "resolution", "R", "", {"text": "t"}, voting_minutes=60)
    newcomer = admit("eve")  # admitted after the proposal opened
    runtime.keys.create_custodial_key(newcomer, "eve-password")
    with pytest.raises(NotAllowed, match="when the proposal opened"):
        runtime.governance.vote_with_password(newcomer, proposal.id, "yes", "eve-password")
    with pytest.raises(Refused, match="vote one of yes, no, abstain"):
        runtime.governance.vote_with_password(voters[1], proposal.id, "maybe", password(voters[1]))
    statement = runtime.keys.sign_as(
        voters[1], password(voters[1]), "ballot", runtime.governance.ballot_body(voters[1], proposal.id, "yes")
    )
    runtime.governance.cast(voters[1], proposal.id, statement)
    with pytest.raises(Conflict, match="replay"):
        runtime.governance.cast(voters[1], proposal.id, statement)
    clock.advance(minutes=61)
    with pytest.raises(Conflict, match="late"):
        runtime.governance.vote_with_password(voters[2], proposal.id, "yes", password(voters[2]))


def test_a_ballot_signed_by_someone_else_is_refused(runtime, voters):
    proposal = runtime.governance.propose(voters[0], "resolution", "R", "", {"text": "t"}, voting_minutes=60)
    forged = runtime.keys.sign_as(
        voters[1], password(voters[1]), "ballot", runtime.governance.ballot_body(voters[2], proposal.id, "yes")
    )
    with pytest.raises(NotAllowed):
        runtime.governance.cast(voters[2], proposal.id, forged)


def test_a_ranked_choice_rubric_vote_enacts_the_winning_draft(runtime, voters, admit, clock):
    more = voters + [admit("fay")]
    runtime.keys.create_custodial_key(more[-1], "fay-password")
    base = RUBRICS["ranking"]
    drafts = []
    for label, required in (("A", 1), ("B", 2), ("C", 3)):
        body = json.loads(json.dumps(base))
        body["acceptance"]["reviews_required"] = required
        drafts.append({"label": label, "body": body})
    # The proposal opened before fay was admitted? No: fay is admitted above, so all five are eligible.
    proposal = runtime.governance.propose(
        more[0], "rubric", "Ranking rubric v2", "", {"task_kind": "ranking", "drafts": drafts}, voting_minutes=60
    )
    assert proposal.method == "ranked"
    rankings = [["A", "B"], ["B", "A"], ["B"], ["C", "A"], ["A", "C"]]
    for member, ranking in zip(more, rankings):
        runtime.governance.vote_with_password(member, proposal.id, ranking, password(member))
    clock.advance(minutes=61)
    runtime.governance.close_due()
    result = runtime.governance.get(proposal.id).result
    assert result["winner"] == "A" and len(result["rounds"]) == 2
    assert runtime.policies.in_force("rubric.ranking").body["acceptance"]["reviews_required"] == 1


def test_an_applicant_can_be_admitted_by_vote(runtime, voters, clock):
    applicant = runtime.members.apply("Gil", "gil@coop.test", "gil-password")
    proposal = runtime.governance.propose(
        voters[0], "admit-member", "Admit Gil", "", {"member": applicant}, voting_minutes=60
    )
    for member in voters[:3]:
        runtime.governance.vote_with_password(member, proposal.id, "yes", password(member))
    clock.advance(minutes=61)
    runtime.governance.close_due()
    assert runtime.members.principal(applicant).in_good_standing


def test_anyone_recounts_the_vote_from_the_log_alone(runtime, voters, engine, clock):
    proposal = runtime.governance.propose(
        voters[0], "pay-floor", "Raise the floor", "", {"body": NEW_FLOOR}, voting_minutes=60
    )
    for member, vote in zip(voters, ("yes", "no", "yes", "abstain")):
        runtime.governance.vote_with_password(member, proposal.id, vote, password(member))
    clock.advance(minutes=61)
    runtime.governance.close_due()
    with engine.connect() as conn:
        result = recount(
            ((i, leaf) for i, _, leaf in store.iter_entries(conn)),
            proposal.id,
            runtime.log.public_key,
            runtime.governance.eligible(proposal.id),
        )
    assert result.matches and result.computed["outcome"] == "adopted"
    assert (
        recount_log(runtime.log, proposal.id, runtime.governance.eligible(proposal.id)) == result
    )  # the API's and the CLI's reading


def test_reading_a_due_proposal_does_not_close_it(runtime, voters, clock):
    proposal = runtime.governance.propose(
        voters[0], "pay-floor", "Raise the floor", "", {"body": NEW_FLOOR}, voting_minutes=60
    )
    for member in voters:
        runtime.governance.vote_with_password(member, proposal.id, "yes", password(member))
    clock.advance(minutes=61)
    size = runtime.log.size()
    seen = runtime.governance.get(proposal.id)
    assert (seen.status, seen.result, seen.enacted) == ("counting", None, None)
    assert [p.status for p in runtime.governance.list()] == ["counting"]
    assert runtime.log.size() == size and runtime.policies.in_force("pay-floor").version == 1
    assert runtime.governance.close_due() == [proposal.id]
    assert runtime.governance.get(proposal.id).status == "closed"


def test_the_open_list_leaves_out_a_vote_whose_time_is_up(runtime, voters, clock):
    due = runtime.governance.propose(voters[0], "resolution", "Due", "", {"text": "t"}, voting_minutes=60)
    clock.advance(minutes=1)
    later = runtime.governance.propose(voters[0], "resolution", "Later", "", {"text": "t"}, voting_minutes=120)
    clock.advance(minutes=60)
    assert [p.id for p in runtime.governance.list("open")] == [later.id]
    assert runtime.governance.list("closed") == []
    assert {p.id for p in runtime.governance.list()} == {due.id, later.id}


def test_a_malformed_ranking_is_refused_with_the_drafts_to_rank(runtime, voters):
    drafts = [{"label": label, "body": RUBRICS["ranking"]} for label in ("A", "B", "C")]
    proposal = runtime.governance.propose(
        voters[0], "rubric", "Ranking rubric", "", {"task_kind": "ranking", "drafts": drafts}, voting_minutes=60
    )
    for ranking in (["A", "A"], ["A", "D"], "A"):
        with pytest.raises(Refused, match="rank one or more of A, B, C, each at most once"):
            runtime.governance.vote_with_password(voters[1], proposal.id, ranking, password(voters[1]))
    assert runtime.governance.my_vote(voters[1], proposal.id) is None


def test_bad_proposals_are_refused_with_the_reason(runtime, voters):
    with pytest.raises(Refused, match="positive whole number"):
        runtime.governance.propose(
            voters[0], "pay-floor", "x", "", {"body": {"hourly_minimum": {"EUR": -5}, "flag_after_accepted": 5}}
        )
    with pytest.raises(Refused, match="cannot exceed"):
        runtime.governance.propose(
            voters[0],
            "revenue-formula",
            "x",
            "",
            {"body": {"reserve_bps": 6000, "reviewer_bps": 6000, "weight": "equal"}},
        )
    with pytest.raises(Refused, match="voting period"):
        runtime.governance.propose(voters[0], "resolution", "x", "", {"text": "t"}, voting_minutes=100_000)
