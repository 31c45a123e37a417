"""Yes/no tallies and ballot screening: who counts, which ballot counts, quorum and threshold edges."""

import json
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.tally import (
    SIMPLE_MAJORITY,
    TWO_THIRDS,
    Ballot,
    Outcome,
    Reason,
    Threshold,
    quorum,
    tally_ranked,
    tally_yes_no,
)

OPENED = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
CLOSES = OPENED + timedelta(days=7)
MEMBERS = frozenset(f"m{i}" for i in range(1, 11))  # ten eligible members


def at(hours: float) -> datetime:
    return OPENED + timedelta(hours=hours)


def votes(*choices: str, start: int = 0) -> list[Ballot]:
    """One ballot per member m1, m2, … with the given choices, in log order."""
    return [Ballot(start + i, f"m{i + 1}", at(i), choice) for i, choice in enumerate(choices)]


def yes_no(ballots, *, eligible=MEMBERS, quorum_bps=5000, threshold=SIMPLE_MAJORITY):
    return tally_yes_no(ballots, eligible=eligible, closes_at=CLOSES, quorum_bps=quorum_bps, threshold=threshold)


def reasons_by_index(result) -> dict[int, tuple[Reason, ...]]:
    return {rejected.log_index: rejected.reasons for rejected in result.rejected}


# --- which ballot counts -------------------------------------------------------------------------


def test_a_changed_vote_counts_once_and_only_the_last():
    ballots = votes("yes", "no", "yes", "yes", "no") + [
        Ballot(5, "m1", at(10), "no"),
        Ballot(6, "m1", at(11), "abstain"),
    ]
    result = yes_no(ballots)
    assert (result.yes, result.no, result.abstain) == (2, 2, 1)
    assert result.quorum.turnout == 5
    assert result.screened.superseded == (0, 5)
    assert [b.log_index for b in result.screened.counted] == [1, 2, 3, 4, 6]


def test_log_index_not_cast_time_decides_which_ballot_is_last():
    ballots = [Ballot(1, "m1", at(5), "yes"), Ballot(2, "m1", at(1), "no")]
    result = yes_no(ballots, quorum_bps=0)
    assert (result.yes, result.no) == (0, 1)


def test_a_rejected_ballot_never_replaces_an_earlier_valid_one():
    ballots = [
        Ballot(1, "m1", at(1), "yes"),
        Ballot(2, "m1", CLOSES + timedelta(seconds=1), "no"),
        Ballot(3, "m1", at(2), "Yes"),
    ]
    result = yes_no(ballots, quorum_bps=0)
    assert (result.yes, result.no) == (1, 0)
    assert reasons_by_index(result) == {2: (Reason.LATE,), 3: (Reason.UNKNOWN_CHOICE,)}


def test_a_ballot_after_the_close_is_rejected_as_late():
    result = yes_no([Ballot(7, "m1", CLOSES + timedelta(microseconds=1), "yes")], quorum_bps=0)
    assert reasons_by_index(result) == {7: (Reason.LATE,)}
    assert result.quorum.turnout == 0


def test_a_ballot_cast_exactly_at_the_close_counts():
    result = yes_no([Ballot(7, "m1", CLOSES, "yes")], quorum_bps=0)
    assert result.rejected == ()
    assert result.yes == 1


def test_a_ballot_by_a_non_member_is_rejected_as_ineligible():
    result = yes_no([Ballot(1, "outsider", at(1), "yes")], quorum_bps=0)
    assert reasons_by_index(result) == {1: (Reason.INELIGIBLE,)}
    assert "outsider" in result.rejected[0].faults[0].detail


@pytest.mark.parametrize("choice", ["Yes", "YES", " yes", "maybe", "", ("yes",)])
def test_a_choice_that_is_not_exactly_yes_no_or_abstain_is_rejected_not_repaired(choice):
    result = yes_no([Ballot(1, "m1", at(1), choice)], quorum_bps=0)
    assert reasons_by_index(result) == {1: (Reason.UNKNOWN_CHOICE,)}
    assert result.quorum.turnout == 0


def test_a_replayed_ballot_counts_once():
    original = Ballot(1, "m1", at(1), "yes")
    result = yes_no([original, Ballot(4, "m1", at(1), "yes")], quorum_bps=0)
    assert result.yes == 1
    assert reasons_by_index(result) == {4: (Reason.REPLAY,)}
    assert "log index 1" in result.rejected[0].faults[0].detail


def test_a_replay_cannot_undo_a_later_change_of_vote():
    ballots = [Ballot(1, "m1", at(1), "yes"), Ballot(2, "m1", at(2), "no"), Ballot(3, "m1", at(1), "yes")]
    result = yes_no(ballots, quorum_bps=0)
    assert (result.yes, result.no) == (0, 1)
    assert reasons_by_index(result) == {3: (Reason.REPLAY,)}


def test_the_same_log_entry_read_twice_counts_once():
    entry = Ballot(1, "m1", at(1), "yes")
    result = yes_no([entry, entry], quorum_bps=0)
    assert result.yes == 1
    assert reasons_by_index(result) == {1: (Reason.REPLAY,)}


def test_two_different_ballots_claiming_one_log_index_are_both_rejected():
    ballots = [Ballot(1, "m1", at(1), "yes"), Ballot(1, "m2", at(1), "no")]
    result = yes_no(ballots, quorum_bps=0)
    assert sorted(r.voter for r in result.rejected) == ["m1", "m2"]
    assert all(r.reasons == (Reason.LOG_INDEX_CONFLICT,) for r in result.rejected)


def test_a_ballot_is_rejected_with_every_reason_that_applies():
    result = yes_no([Ballot(1, "outsider", CLOSES + timedelta(hours=1), "perhaps")], quorum_bps=0)
    assert result.rejected[0].reasons == (Reason.INELIGIBLE, Reason.LATE, Reason.UNKNOWN_CHOICE)


def test_the_order_ballots_are_handed_in_does_not_matter():
    ballots = votes("yes", "no", "yes") + [Ballot(3, "m1", at(5), "no"), Ballot(4, "x", at(6), "yes")]
    assert yes_no(ballots) == yes_no(list(reversed(ballots)))


# --- quorum ---------------------------------------------------------------------------------------


def test_turnout_exactly_at_the_quorum_meets_it():
    result = yes_no(votes("yes", "yes", "no", "no", "yes"), quorum_bps=5000)
    assert (result.quorum.turnout, result.quorum.required, result.quorum.met) == (5, 5, True)
    assert result.outcome is Outcome.ADOPTED


def test_turnout_one_below_the_quorum_is_no_quorum_whatever_the_counts():
    result = yes_no(votes("yes", "yes", "yes", "yes"), quorum_bps=5000)
    assert result.outcome is Outcome.NO_QUORUM
    assert result.yes == 4


def test_quorum_requirement_rounds_up():
    assert quorum(eligible=7, turnout=3, quorum_bps=5000).required == 4
    assert quorum(eligible=3, turnout=1, quorum_bps=3000).required == 1


def test_abstentions_count_toward_quorum():
    result = yes_no(votes("yes", "abstain", "abstain", "abstain", "abstain"), quorum_bps=5000)
    assert result.quorum.met
    assert result.outcome is Outcome.ADOPTED


def test_nobody_voting_is_never_a_quorum_even_at_zero_bps():
    assert yes_no([], quorum_bps=0).outcome is Outcome.NO_QUORUM
    assert yes_no([], eligible=frozenset(), quorum_bps=0).outcome is Outcome.NO_QUORUM


@given(eligible=st.integers(0, 500), turnout=st.integers(0, 500), quorum_bps=st.integers(0, 10_000))
def test_quorum_is_met_exactly_when_turnout_reaches_the_fraction_of_eligible(eligible, turnout, quorum_bps):
    found = quorum(eligible, turnout, quorum_bps)
    assert found.met == (turnout >= 1 and turnout * 10_000 >= quorum_bps * eligible)
    assert found.met == (turnout >= found.required)


@pytest.mark.parametrize("quorum_bps", [-1, 10_001])
def test_a_quorum_outside_0_to_10000_bps_is_refused(quorum_bps):
    with pytest.raises(ValueError):
        quorum(10, 5, quorum_bps)


# --- threshold ------------------------------------------------------------------------------------


def test_exactly_half_yes_is_rejected_under_simple_majority():
    result = yes_no(votes("yes", "no", "yes", "no", "abstain", "abstain"))
    assert (result.yes, result.no, result.threshold_met) == (2, 2, False)
    assert result.outcome is Outcome.REJECTED


def test_one_more_yes_than_no_is_adopted_under_simple_majority():
    result = yes_no(votes("yes", "no", "yes", "no", "yes"))
    assert result.outcome is Outcome.ADOPTED


def test_exactly_two_thirds_is_adopted_under_two_thirds():
    result = yes_no(votes("yes", "yes", "no", "yes", "yes", "no"), threshold=TWO_THIRDS)
    assert (result.yes, result.no) == (4, 2)
    assert result.outcome is Outcome.ADOPTED


def test_just_under_two_thirds_is_rejected_under_two_thirds():
    assert not TWO_THIRDS.met(66, 34)
    assert TWO_THIRDS.met(67, 33)
    result = yes_no(votes("yes", "yes", "no", "yes", "no"), threshold=TWO_THIRDS)
    assert result.outcome is Outcome.REJECTED


def test_basis_points_cannot_express_two_thirds_exactly():
    assert TWO_THIRDS.met(2, 1)
    assert not Threshold.at_least_bps(6667).met(2, 1)


def test_a_threshold_from_basis_points_is_kept_in_lowest_terms():
    assert Threshold.more_than_bps(5000) == SIMPLE_MAJORITY
    assert Threshold.at_least_bps(7500) == Threshold(3, 4, strict=False)


def test_abstentions_do_not_count_toward_the_threshold():
    result = yes_no(votes("yes", "abstain", "abstain", "abstain", "abstain", "abstain"))
    assert result.outcome is Outcome.ADOPTED


def test_all_abstaining_adopts_nothing():
    result = yes_no(
        votes("abstain", "abstain", "abstain", "abstain", "abstain"), threshold=Threshold(0, 1, strict=False)
    )
    assert result.quorum.met
    assert result.outcome is Outcome.REJECTED


@given(
    yes=st.integers(0, 10_000),
    no=st.integers(0, 10_000),
    numerator=st.integers(0, 1000),
    denominator=st.integers(1, 1000),
    strict=st.booleans(),
)
def test_threshold_agrees_with_exact_fractions(yes, no, numerator, denominator, strict):
    if numerator > denominator or (strict and numerator == denominator):
        return
    threshold = Threshold(numerator, denominator, strict)
    if yes + no == 0:
        assert not threshold.met(yes, no)
        return
    share, bar = Fraction(yes, yes + no), Fraction(numerator, denominator)
    assert threshold.met(yes, no) == (share > bar if strict else share >= bar)


@pytest.mark.parametrize(
    ("numerator", "denominator", "strict"), [(3, 2, False), (-1, 2, False), (1, 0, False), (1, 1, True)]
)
def test_a_threshold_outside_0_to_1_is_refused(numerator, denominator, strict):
    with pytest.raises(ValueError):
        Threshold(numerator, denominator, strict)


# --- the logged form ------------------------------------------------------------------------------


def test_a_yes_no_result_becomes_plain_json():
    ballots = votes("yes", "no", "yes") + [Ballot(3, "m1", at(4), "abstain"), Ballot(4, "x", at(5), "yes")]
    logged = yes_no(ballots, quorum_bps=3000).to_dict()
    assert json.loads(json.dumps(logged)) == logged
    assert logged == {
        "method": "yes-no",
        "outcome": "rejected",
        "counts": {"yes": 1, "no": 1, "abstain": 1},
        "quorum": {"eligible": 10, "turnout": 3, "quorum_bps": 3000, "required": 3, "met": True},
        "threshold": {"numerator": 1, "denominator": 2, "strict": True, "rule": "yes·2 > 1·(yes+no)", "met": False},
        "counted": [1, 2, 3],
        "superseded": [0],
        "rejected": [
            {
                "log_index": 4,
                "voter": "x",
                "faults": [{"reason": "ineligible", "detail": "'x' is not one of the 10 eligible members"}],
            }
        ],
    }


def test_a_ranked_ballot_on_a_yes_no_proposal_and_the_reverse_are_malformed():
    assert yes_no([Ballot(1, "m1", at(1), ("yes",))], quorum_bps=0).rejected[0].reasons == (Reason.UNKNOWN_CHOICE,)
    ranked = tally_ranked(
        [Ballot(1, "m1", at(1), "yes")], options=("a", "b"), eligible=MEMBERS, closes_at=CLOSES, quorum_bps=0
    )
    assert ranked.rejected[0].reasons == (Reason.NOT_A_RANKING,)
