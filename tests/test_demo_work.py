"""`coop demo` seeds real item work: a task per answer kind, answers enough for agreement, an appeal."""

import json
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.kernel.errors import Conflict
from coop.rules import agreement, answers
from coop.rules.answers import ANSWER_KINDS
from coop.work.appeal_models import Appeal, AppealDecision
from coop.work.claim_models import ContributionAnswer
from coop.work.item_answers import response_ids
from coop.work.models import Contribution, Review
from web.demo import seed_demo
from web.demo_items import item_tasks


@pytest.fixture
def demo(runtime):
    runtime.policies.seed_defaults()
    seed_demo(runtime)
    return runtime


def specs_by_kind(runtime):
    specs = {}
    for task in runtime.tasks.list(None):
        try:
            spec = runtime.answer_specs.get(task.id)
        except Conflict:  # the free-form demo tasks take no item answers
            continue
        specs[spec.answer_kind] = spec
    return specs


def answers_of(engine, task_id):
    with Session(engine) as session:
        rows = session.execute(
            select(ContributionAnswer.item_id, Contribution.author_id, ContributionAnswer.answer)
            .join(Contribution, Contribution.id == ContributionAnswer.contribution_id)
            .where(Contribution.task_id == task_id)
        ).all()
    return [(item, author, json.loads(answer)) for item, author, answer in rows]


def test_each_answer_kind_has_a_task_with_an_answer_spec_and_at_least_20_items(demo):
    specs = specs_by_kind(demo)
    assert sorted(specs) == sorted(ANSWER_KINDS)
    for spec in specs.values():
        assert demo.items.page(spec.task_id).total >= 20


def test_some_items_of_every_item_task_have_several_answers(demo, engine):
    for spec in specs_by_kind(demo).values():
        per_item = Counter(item for item, _, _ in answers_of(engine, spec.task_id))
        assert any(count >= 2 for count in per_item.values()), spec.answer_kind


def test_alpha_over_the_pairwise_answers_is_defined(demo, engine):
    spec = specs_by_kind(demo)["pairwise"]
    triples = [(item, author, answer["choice"]) for item, author, answer in answers_of(engine, spec.task_id)]
    result = agreement.alpha(triples, "nominal")
    assert result.value is not None and result.items >= 2


def test_a_rejected_answer_was_appealed_and_decided_by_a_reviewer_who_took_no_part(demo, engine):
    with Session(engine) as session:
        decided = session.execute(select(Appeal, AppealDecision).join(AppealDecision)).all()
        assert len(decided) == 1
        appeal, decision = decided[0]
        reviewers = set(
            session.scalars(select(Review.reviewer_id).where(Review.contribution_id == appeal.contribution_id))
        )
        answered = session.get(ContributionAnswer, appeal.contribution_id)
    assert len(reviewers) >= 2 and decision.decided_by not in reviewers | {appeal.author_id}
    assert answered is not None and decision.outcome == "overturned"


def test_seeding_twice_adds_nothing(demo):
    size = demo.log.size()
    assert "nothing added" in seed_demo(demo)
    assert demo.log.size() == size


def test_every_demo_item_is_distinct_and_every_demo_answer_fits_its_kinds_schema():
    for item_task in item_tasks():
        config = answers.check_config(item_task.answer_kind, item_task.config)
        assert len({json.dumps(item, sort_keys=True) for item in item_task.items}) == len(item_task.items) >= 20
        for index, item in enumerate(item_task.items):
            ids = response_ids(item) if item_task.answer_kind == "ranking" else []
            for member in range(3):
                given = item_task.answer(index, member)
                assert answers.check_answer(item_task.answer_kind, config, given, ids) == given


def test_every_demo_item_task_has_an_agreement_page_with_its_figures(demo, browse):
    from coop.membership.models import MemberRole

    with Session(demo.engine) as session:
        steward_id = session.scalar(select(MemberRole.account_id).where(MemberRole.role == "steward").limit(1))
    steward = demo.members.principal(steward_id)
    browser = browse(steward)
    for kind, spec in specs_by_kind(demo).items():
        page = browser.get(f"/tasks/{spec.task_id}/agreement").text
        assert 'data-testid="task-alpha"' in page, kind
        if kind == "written":
            assert "None — written answers are free text" in page
        else:
            view = demo.agreement.for_task(steward, spec.task_id)
            assert view.measured.items >= 2 and len(view.contributors) >= 2, kind
            figure = view.measured.task
            shown = f"{figure.value:.3f}" if figure.value is not None else f"None — {figure.reason}"
            assert shown in page, kind
