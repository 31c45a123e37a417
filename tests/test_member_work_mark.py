"""A member's own work mark (coop.work.next_item): a claim starts past the items that can never again
be offered to the member — answered or skipped by them, retired, done for good — and never past an
item only held by others, whose claims may expire."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from coop.kernel.errors import Conflict, NotFound
from coop.work.claim_models import ClaimSkip, ContributionAnswer, ItemClaim
from coop.work.claims import CLAIM_TTL
from coop.work.models import Contribution, ItemBatch, ItemRetirement, TaskItem
from coop.work.next_item import MEMBER_MARK_STRIDE
from coop.work.tasks import TaskSpec
from tests.test_claims import WRITTEN, member, submit

NAMES = ("ma", "mb", "mc")


def open_task(runtime, steward, batches: list[int], k: int) -> str:
    """A task with batches of the given sizes (imported in that order) and k answers per item."""
    spec = TaskSpec("P", "Answer", "Answer it.", "expert-answer", "answer", 20, 900, "EUR", ["model-training"])
    task = runtime.tasks.open(steward, spec)
    for b, size in enumerate(batches):
        lines = "\n".join(json.dumps({"prompt": f"Batch {b} question {n}?"}) for n in range(size))
        runtime.items.import_batch(steward, task.id, "jsonl", lines)
    runtime.answer_specs.set(steward, task.id, "written", WRITTEN, k)
    return task.id


def member_mark(engine, task_id, account_id):
    """The member's mark in force as (batch log index, position), or None."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT log_index, position FROM member_work_mark WHERE task_id = :t AND account_id = :a "
                "ORDER BY log_index DESC, position DESC LIMIT 1"
            ),
            {"t": task_id, "a": account_id},
        ).first()


def marks(engine, task_id):
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM member_work_mark WHERE task_id = :t"), {"t": task_id}).scalar()


@pytest.fixture
def three(runtime, admit):
    """Three members with custodial keys (made once: hypothesis runs every example in one test)."""
    runtime.policies.seed_defaults()
    return [member(runtime, admit, name) for name in NAMES]


class Reference:
    """What the claim rule says, worked out here from the rows themselves (not the service's queries)."""

    def __init__(self, engine, task_id, k):
        with Session(engine) as session:
            self.items = [
                (log_index, item.position, item.id)
                for item, log_index in session.execute(
                    select(TaskItem, ItemBatch.log_index)
                    .join(ItemBatch, ItemBatch.id == TaskItem.batch_id)
                    .where(TaskItem.task_id == task_id)
                )
            ]
            self.items.sort()
            self.claims = list(session.scalars(select(ItemClaim).where(ItemClaim.task_id == task_id)))
            self.skipped = set(session.scalars(select(ClaimSkip.claim_id)))
            self.submitted = set(
                session.scalars(
                    select(ContributionAnswer.claim_id)
                    .join(Contribution, Contribution.id == ContributionAnswer.contribution_id)
                    .where(Contribution.status != "draft")
                )
            )
            self.retired = set(session.scalars(select(ItemRetirement.item_id)))
        self.k = k

    def never_again_for(self, account_id, item_id):
        answerers = {c.account_id for c in self.claims if c.item_id == item_id and c.id in self.submitted}
        mine = any(
            c.item_id == item_id and c.account_id == account_id and (c.id in self.submitted or c.id in self.skipped)
            for c in self.claims
        )
        return item_id in self.retired or mine or len(answerers) >= self.k

    def open_to(self, account_id, item_id, now):
        holders = {
            c.account_id
            for c in self.claims
            if c.item_id == item_id and (c.id in self.submitted or (c.expires_at > now and c.id not in self.skipped))
        }
        return not self.never_again_for(account_id, item_id) and len(holders) < self.k

    def first_open_to(self, account_id, now):
        return next((i for _, _, i in self.items if self.open_to(account_id, i, now)), None)

    def has_live_claim(self, account_id, now):
        return any(
            c.account_id == account_id
            and c.expires_at > now
            and c.id not in self.skipped
            and c.id not in self.submitted
            for c in self.claims
        )


def test_a_member_working_alone_claims_every_item_in_order_with_few_marks(runtime, steward, three, engine):
    person = three[0]
    answered = 2 * MEMBER_MARK_STRIDE + 5
    task_id = open_task(runtime, steward, [answered + 1], k=3)
    positions = []
    for _ in range(answered):
        claim = runtime.claims.claim_next(person, task_id)
        positions.append(claim.item.position)
        submit(runtime, person, claim, "ma-password")
    assert positions == list(range(answered))
    assert marks(engine, task_id) == 2  # one row per stride of answers, not one per claim
    assert member_mark(engine, task_id, person.account_id)[1] == 2 * MEMBER_MARK_STRIDE


def test_the_member_mark_does_not_pass_an_item_only_held_by_others(runtime, steward, three, engine, clock):
    task_id = open_task(runtime, steward, [MEMBER_MARK_STRIDE + 10], k=2)
    person, *others = three
    for other in others:  # the first item: held by two live claims, answered by nobody
        runtime.claims.claim_next(other, task_id)
    for _ in range(MEMBER_MARK_STRIDE + 5):
        claim = runtime.claims.claim_next(person, task_id)
        assert claim.item.position != 0
        submit(runtime, person, claim, "ma-password")
    mark = member_mark(engine, task_id, person.account_id)
    assert mark is None or mark[1] == 0
    clock.advance(seconds=CLAIM_TTL.total_seconds() + 1)  # the others' claims expire: the item is open again
    assert runtime.claims.claim_next(person, task_id).item.position == 0


def test_the_member_mark_passes_skipped_and_retired_items(runtime, steward, three, engine):
    task_id = open_task(runtime, steward, [MEMBER_MARK_STRIDE + 10], k=2)
    person = three[0]
    runtime.items.retire(steward, runtime.items.page(task_id).items[0].id, "a duplicate")
    for n in range(MEMBER_MARK_STRIDE + 2):
        claim = runtime.claims.claim_next(person, task_id)
        if n % 2:
            runtime.claims.skip(person, claim.id, "not for me")
        else:
            submit(runtime, person, claim, "ma-password")
    runtime.claims.claim_next(person, task_id)
    assert member_mark(engine, task_id, person.account_id)[1] == MEMBER_MARK_STRIDE + 1


def test_a_member_mark_is_never_changed_or_deleted(runtime, steward, three, engine):
    person = three[0]
    task_id = open_task(runtime, steward, [2, 2], k=2)
    for _ in range(3):
        submit(runtime, person, runtime.claims.claim_next(person, task_id), "ma-password")
    assert marks(engine, task_id) >= 1
    for statement in ("UPDATE member_work_mark SET position = 0", "DELETE FROM member_work_mark"):
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text(statement))
    assert marks(engine, task_id) >= 1


ACTIONS = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(["claim", "claim", "answer", "answer", "skip", "wait", "retire"])),
    min_size=1,
    max_size=30,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(k=st.integers(1, 3), retire_at=st.integers(0, 7), actions=ACTIONS)
def test_no_member_mark_passes_an_item_the_member_could_still_be_offered(
    runtime, steward, three, clock, engine, k, retire_at, actions
):
    """Small batches, so marks are written on every move into a later batch; after every step, each
    member's mark passes only items they can never be offered again, and every claim hands out
    exactly the item the rule says (worked out without marks)."""
    task_id = open_task(runtime, steward, [2, 2, 2, 2], k)
    held: dict[int, object] = {}
    for who, action in actions:
        person = three[who]
        now = clock()
        before = Reference(engine, task_id, k)
        try:
            if action == "claim":
                held[who] = claim = runtime.claims.claim_next(person, task_id)
                if not before.has_live_claim(person.account_id, now):
                    assert claim.item.id == before.first_open_to(person.account_id, now)
            elif action == "skip" and who in held:
                runtime.claims.skip(person, held.pop(who).id, "not for me")
            elif action == "answer" and who in held:
                submit(runtime, person, held.pop(who), f"{NAMES[who]}-password")
            elif action == "wait":
                clock.advance(seconds=CLAIM_TTL.total_seconds() / 2)
            elif action == "retire":
                runtime.items.retire(steward, before.items[retire_at][2], "a duplicate")
        except NotFound:
            assert (
                action != "claim"
                or before.has_live_claim(person.account_id, now)
                or (before.first_open_to(person.account_id, now) is None)
            )
            held.pop(who, None)
        except Conflict:
            held.pop(who, None)
        after = Reference(engine, task_id, k)
        for somebody in three:
            mark = member_mark(engine, task_id, somebody.account_id)
            if mark is None:
                continue
            passed = [i for log_index, position, i in after.items if (log_index, position) < tuple(mark)]
            assert all(after.never_again_for(somebody.account_id, i) for i in passed), (somebody.display_name, mark)
