"""Properties of tallying any log: order independence, last-ballot-counts, and a naive recount.

Generated logs mix changed votes, replays, late, ineligible and malformed ballots, for both methods.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from governance.tally import (
    SIMPLE_MAJORITY,
    TWO_THIRDS,
    Ballot,
    Threshold,
    tally_ranked,
    tally_yes_no,
)

OPENED = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
CLOSES = OPENED + timedelta(hours=168)
OPTIONS = ("draft-a", "draft-b", "draft-c")
CHOICES = st.sampled_from(["yes", "yes", "no", "no", "abstain", "Yes", "maybe"])
RANKINGS = st.one_of(
    st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=3, unique=True).map(tuple),
    st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=3, unique=True).map(tuple),
    st.sampled_from([(), ("draft-a", "draft-a"), ("draft-z",), "draft-a"]),
)
THRESHOLDS = st.one_of(
    st.just(SIMPLE_MAJORITY), st.just(TWO_THIRDS), st.integers(0, 10_000).map(Threshold.at_least_bps)
)


@st.composite
def voter_histories(draw, votes):
    """Per voter, the (cast time, vote) pairs in the order they reached the log; some are replays."""
    members = [f"m{i}" for i in range(draw(st.integers(1, 8)))]
    histories = {}
    for voter in members + ["outsider"]:
        history, hours = [], 0
        for _ in range(draw(st.integers(0, 4))):
            if history and draw(st.integers(0, 4)) == 0:
                history.append(draw(st.sampled_from(history)))  # a replay of one of their earlier ballots
                continue
            hours += draw(st.integers(0, 100))  # past 168 hours: late
            history.append((OPENED + timedelta(hours=hours), draw(votes)))
        histories[voter] = history
    return frozenset(members), histories


def interleave(draw, histories) -> list[Ballot]:
    """One log: the voters' histories merged in a drawn order, each voter's own order kept."""
    slots = [voter for voter, history in histories.items() for _ in history]
    order = draw(st.permutations(slots))
    positions = Counter()
    ballots = []
    for index, voter in enumerate(order):
        cast_at, vote = histories[voter][positions[voter]]
        positions[voter] += 1
        ballots.append(Ballot(index, voter, cast_at, vote))
    return ballots


def recount(ballots, eligible, valid_vote) -> dict[str, object]:
    """The rules restated as simply as possible: per member, the last valid ballot in the log."""
    last, seen = {}, set()
    for ballot in sorted(ballots, key=lambda b: b.log_index):
        fresh = (ballot.voter, ballot.cast_at, ballot.vote) not in seen
        seen.add((ballot.voter, ballot.cast_at, ballot.vote))
        if fresh and ballot.voter in eligible and ballot.cast_at <= CLOSES and valid_vote(ballot.vote):
            last[ballot.voter] = ballot.vote
    return last


def valid_ranking(vote) -> bool:
    return isinstance(vote, tuple) and len(vote) > 0 and len(set(vote)) == len(vote) and set(vote) <= set(OPTIONS)


def summary(result):
    """What must not depend on where each ballot happened to land in the log."""
    rejected = Counter((r.voter, r.reasons) for r in result.rejected)
    return (
        result.outcome,
        result.quorum,
        getattr(result, "rounds", None),
        getattr(result, "yes", None),
        getattr(result, "no", None),
        rejected,
    )


def yes_no(ballots, eligible, quorum_bps, threshold):
    return tally_yes_no(ballots, eligible=eligible, closes_at=CLOSES, quorum_bps=quorum_bps, threshold=threshold)


def ranked(ballots, eligible, quorum_bps):
    return tally_ranked(ballots, options=OPTIONS, eligible=eligible, closes_at=CLOSES, quorum_bps=quorum_bps)


@settings(max_examples=200)
@given(st.data(), voter_histories(CHOICES), st.integers(0, 10_000), THRESHOLDS)
def test_shuffling_the_ballots_handed_in_never_changes_a_yes_no_result(data, voters, quorum_bps, threshold):
    eligible, histories = voters
    ballots = interleave(data.draw, histories)
    shuffled = data.draw(st.permutations(ballots))
    assert yes_no(shuffled, eligible, quorum_bps, threshold) == yes_no(ballots, eligible, quorum_bps, threshold)


@settings(max_examples=200)
@given(st.data(), voter_histories(RANKINGS), st.integers(0, 10_000))
def test_shuffling_the_ballots_handed_in_never_changes_a_ranked_result(data, voters, quorum_bps):
    eligible, histories = voters
    ballots = interleave(data.draw, histories)
    shuffled = data.draw(st.permutations(ballots))
    assert ranked(shuffled, eligible, quorum_bps) == ranked(ballots, eligible, quorum_bps)


@settings(max_examples=200)
@given(st.data(), voter_histories(CHOICES), st.integers(0, 10_000), THRESHOLDS)
def test_interleaving_voters_differently_in_the_log_never_changes_a_yes_no_result(data, voters, quorum_bps, threshold):
    eligible, histories = voters
    one, other = interleave(data.draw, histories), interleave(data.draw, histories)
    assert summary(yes_no(one, eligible, quorum_bps, threshold)) == summary(
        yes_no(other, eligible, quorum_bps, threshold)
    )


@settings(max_examples=200)
@given(st.data(), voter_histories(RANKINGS), st.integers(0, 10_000))
def test_interleaving_voters_differently_in_the_log_never_changes_a_ranked_result(data, voters, quorum_bps):
    eligible, histories = voters
    one, other = interleave(data.draw, histories), interleave(data.draw, histories)
    assert summary(ranked(one, eligible, quorum_bps)) == summary(ranked(other, eligible, quorum_bps))


@settings(max_examples=200)
@given(st.data(), voter_histories(CHOICES), st.integers(0, 10_000), THRESHOLDS)
def test_each_member_counts_once_with_their_last_valid_yes_no_ballot(data, voters, quorum_bps, threshold):
    eligible, histories = voters
    ballots = interleave(data.draw, histories)
    result = yes_no(ballots, eligible, quorum_bps, threshold)
    expected = Counter(recount(ballots, eligible, lambda vote: vote in ("yes", "no", "abstain")).values())
    assert (result.yes, result.no, result.abstain) == (expected["yes"], expected["no"], expected["abstain"])
    assert result.quorum.turnout == sum(expected.values())
    assert len(result.screened.counted) + len(result.screened.superseded) + len(result.rejected) == len(ballots)


@settings(max_examples=200)
@given(st.data(), voter_histories(RANKINGS), st.integers(0, 10_000))
def test_each_member_counts_once_with_their_last_valid_ranking(data, voters, quorum_bps):
    eligible, histories = voters
    ballots = interleave(data.draw, histories)
    result = ranked(ballots, eligible, quorum_bps)
    expected = recount(ballots, eligible, valid_ranking)
    assert Counter(b.vote for b in result.screened.counted) == Counter(expected.values())
    first = result.rounds[0] if result.rounds else None
    assert (first.active if first else 0) == len(expected)
