"""The two ways forward from a rejection (issue 14, part 4): revise the work or appeal the decision,
one at a time (`coop.work.revision_rules`)."""

import pytest

from coop.kernel.errors import Conflict
from tests.test_appeals import appealed, rejected
from tests.test_contributions import submit


def test_rejected_work_can_be_revised_as_a_new_contribution_linked_to_it(runtime, work):
    contribution = rejected(runtime, work)
    draft = runtime.contributions.revise(work.author, contribution.id)
    assert draft.status == "draft" and draft.revises_id == contribution.id
    assert runtime.contributions.get(work.author, contribution.id).status == "rejected"


def test_work_under_review_cannot_be_revised(runtime, work):
    contribution = submit(runtime, work)
    with pytest.raises(Conflict, match="sent back for revision or rejected"):
        runtime.contributions.revise(work.author, contribution.id)


def test_a_rejection_under_appeal_is_revised_only_once_the_appeal_is_decided(runtime, work):
    contribution, appeal = appealed(runtime, work)
    with pytest.raises(Conflict, match="under appeal"):
        runtime.contributions.revise(work.author, contribution.id)
    runtime.appeals.decide(work.reviewers[2], appeal.id, "upheld", "The rejection stands.")
    assert runtime.contributions.revise(work.author, contribution.id).revises_id == contribution.id


def test_revised_work_is_not_appealed(runtime, work):
    contribution = rejected(runtime, work)
    runtime.contributions.revise(work.author, contribution.id)
    with pytest.raises(Conflict, match="has been revised"):
        runtime.appeals.appeal(work.author, contribution.id, "The reviewers misread the question.")
