"""No one alone moves money (issue 16): a payout run is proposed, seen by every member, approved by
another steward's signed statement, and only then paid; its settlement is recorded by someone other
than its proposer. Each test runs on SQLite and PostgreSQL."""

import json

import nacl.signing
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coop.kernel.errors import Conflict, NotAllowed, Refused
from coop.membership.models import Member
from coop.work.tasks import TaskSpec
from governance import proposal_rules
from ledger import books
from ledger.models import JournalTx, Payout
from ledger.payout_rules import lines_root
from migrations.schema import downgrade, upgrade
from provenance.core.signing import b64, sign_statement
from tests import test_money
from tests.conftest import TERMS
from tests.test_api_keys_flow import api_token

market = test_money.market  # the fixture: three accepted contributions (Amara 2, Bo 1), a release, a buyer
GOOD = test_money.GOOD
WITHIN_CEILING = 5_000  # 50.00 EUR: the most per unit one steward may open a task at alone (pay-ceiling v1)


def payout_txs(runtime):
    with Session(runtime.engine) as session:
        return session.scalar(select(func.count()).select_from(JournalTx).where(JournalTx.kind == "payout"))


def entry(runtime, index):
    return json.loads(runtime.log.entry(index))


# -- the self-payment scenario, variant 1 ---------------------------------------------------------


def test_one_steward_with_members_it_just_admitted_cannot_get_its_own_payout_paid(runtime, steward):
    """The review's finding: one steward creates two applicants, admits them as reviewers, opens a task
    paying 50.00 EUR (within the pay ceiling one steward may open alone; a higher rate stops at the
    task already, tests/test_two_hands.py), submits work they accept and proposes a payout run including itself. It
    stops at the second hand: the steward cannot approve its own run, the reviewers are no stewards,
    and one of them made a steward is someone the proposer admitted: no valid approver exists."""
    runtime.policies.seed_defaults()
    accomplices = []
    for name in ("shill1", "shill2"):
        account = runtime.members.apply(name.title(), f"{name}@coop.test", f"{name}-password")
        runtime.members.admit(steward, account, ("member", "reviewer"))
        accomplices.append(runtime.members.principal(account))
    task = runtime.tasks.open(
        steward,
        TaskSpec(
            "Self", "Pay me", "Anything.", "expert-answer", "answer", 20, WITHIN_CEILING, "EUR", ["model-training"]
        ),
    )
    runtime.keys.create_custodial_key(steward, "steward-password")
    draft = runtime.contributions.draft(steward, task.id, b"my answer", "text/plain", 20, TERMS)
    work = runtime.contributions.submit_with_password(steward, draft.id, "steward-password")
    for reviewer in accomplices:
        runtime.reviews.review(reviewer, work.id, GOOD, "great")
    assert runtime.ledger.member_balance(steward.account_id) == {"EUR": WITHIN_CEILING}

    run = runtime.payouts.propose(steward, "EUR", 100, "pay-me")
    [line] = runtime.payouts.lines(run)
    assert (line.member_id, line.amount, line.status) == (steward.account_id, WITHIN_CEILING, "pending")
    with pytest.raises(NotAllowed, match="you proposed this run: another steward must approve it"):
        runtime.payouts.approve_with_password(steward, run, "steward-password")
    runtime.keys.create_custodial_key(accomplices[0], "shill1-password")
    with pytest.raises(NotAllowed, match="only stewards approve payout runs"):
        runtime.payouts.approve_with_password(accomplices[0], run, "shill1-password")
    # Made a steward by the proposer, the accomplice is still someone the proposer admitted days ago.
    runtime.members.set_roles(steward, accomplices[0].account_id, ("member", "reviewer", "steward"))
    promoted = runtime.members.principal(accomplices[0].account_id)
    with pytest.raises(NotAllowed, match=r"line 1 \(Sam Steward, 50.00 EUR\) it pays a steward: .*admitted you"):
        runtime.payouts.approve_with_password(promoted, run, "shill1-password")
    view = runtime.payouts.run_view(run)
    assert view.status == "pending" and view.may_approve == []
    assert view.blocked.startswith("no valid approver") and "line 1 (Sam Steward, 50.00 EUR)" in view.blocked
    # Nothing moved: the money is still owed, nothing is in transit, there is nothing to send or settle.
    assert runtime.ledger.member_balance(steward.account_id) == {"EUR": WITHIN_CEILING}
    assert payout_txs(runtime) == 0 and runtime.ledger.balances(books.PAYOUTS_IN_TRANSIT) == {}
    with pytest.raises(Conflict, match="not approved yet"):
        runtime.payouts.mark_sent(steward, run)


# -- approval ---------------------------------------------------------------------------------------


def test_a_proposal_posts_nothing_and_a_second_stewards_signed_approval_posts_exactly_its_lines(
    runtime, market, work, approver
):
    before = {m: runtime.ledger.member_balance(m) for m in (work.author.account_id, market.bo.account_id)}
    run = runtime.payouts.propose(work.steward, "EUR", 100, "monthly")
    lines = runtime.payouts.lines(run)
    assert [(x.member_id, x.amount, x.status) for x in lines] == sorted(
        [(work.author.account_id, 1800, "pending"), (market.bo.account_id, 900, "pending")]
    )
    assert payout_txs(runtime) == 0 and runtime.payouts.export_csv(run).count("\n") == 1  # the header only
    proposed = entry(runtime, runtime.payouts.run_view(run).log_index)
    assert proposed["kind"] == "payout.proposed"
    assert proposed["body"]["total"] == 2700 and proposed["body"]["lines"] == 2
    assert proposed["body"]["lines_root"] == lines_root([(x.member_id, x.amount) for x in lines])

    index = runtime.payouts.approve_with_password(approver, run, "sasha-password")
    approval = entry(runtime, index)
    assert approval["kind"] == "payout.approved" and approval["body"]["member"] == approver.account_id
    assert approval["key"] == b64(
        runtime.keys.active_key(approver.account_id).public_key
    )  # the approver's own key signed it
    assert approval["body"]["lines_root"] == proposed["body"]["lines_root"]
    assert payout_txs(runtime) == 2
    assert {x.member_id: x.status for x in runtime.payouts.lines(run)} == {m: "approved" for m in before}
    assert all(runtime.ledger.member_balance(m) == {} for m in before)
    assert runtime.ledger.balances(books.PAYOUTS_IN_TRANSIT) == {"EUR": -2700}
    assert runtime.ledger.unbalanced_transactions() == []


def test_approving_twice_changes_nothing_and_a_run_already_paid_takes_no_further_approval(
    runtime, market, work, approver, admit, clock
):
    run = runtime.payouts.propose(work.steward, "EUR", 100, "monthly")
    first = runtime.payouts.approve_with_password(approver, run, "sasha-password")
    size = runtime.log.size()
    assert runtime.payouts.approve_with_password(approver, run, "sasha-password") == first
    assert runtime.log.size() == size and payout_txs(runtime) == 2
    third = admit("tove", roles=("member", "steward"))
    runtime.keys.create_custodial_key(third, "tove-password")
    clock.advance(days=31)
    size = runtime.log.size()
    with pytest.raises(Conflict, match="already has the 1 approval"):
        runtime.payouts.approve_with_password(third, run, "tove-password")
    assert runtime.log.size() == size and payout_txs(runtime) == 2


def test_a_line_paying_a_steward_needs_an_approver_it_does_not_pay(runtime, work, approver):
    """Sasha, a steward, earned base pay: she may not approve a run that pays her."""
    runtime.keys.create_custodial_key(work.steward, "steward-password")
    for author, password in ((approver, "sasha-password"), (work.author, "amara-password")):
        draft = runtime.contributions.draft(author, work.task.id, b"answer", "text/plain", 20, TERMS)
        done = runtime.contributions.submit_with_password(author, draft.id, password)
        for reviewer in work.reviewers[:2]:
            runtime.reviews.review(reviewer, done.id, GOOD, "good")
    run = runtime.payouts.propose(work.steward, "EUR", 100, "monthly")
    number = [x.member_id for x in runtime.payouts.lines(run)].index(approver.account_id) + 1
    with pytest.raises(NotAllowed, match=rf"line {number} \(Sasha, 9.00 EUR\) pays you and it pays a steward"):
        runtime.payouts.approve_with_password(approver, run, "sasha-password")
    assert payout_txs(runtime) == 0


def test_a_policy_of_two_approvals_pays_only_on_the_second(runtime, market, work, approver, admit, clock):
    runtime.policies.adopt("payout-approvals", {"approvals_required": 2, "recent_admission_days": 30}, clock(), "seed")
    third = admit("tove", roles=("member", "steward"))
    runtime.keys.create_custodial_key(third, "tove-password")
    clock.advance(days=31)
    run = runtime.payouts.propose(work.steward, "EUR", 100, "monthly")
    runtime.payouts.approve_with_password(approver, run, "sasha-password")
    assert runtime.payouts.run_view(run).status == "pending" and payout_txs(runtime) == 0
    runtime.payouts.approve_with_password(third, run, "tove-password")
    assert runtime.payouts.run_view(run).status == "approved" and payout_txs(runtime) == 2


def test_the_policy_cannot_be_voted_down_to_no_approval():
    with pytest.raises(Refused, match="a run always needs a second steward"):
        proposal_rules.check_options(
            "payout-approvals", {"body": {"approvals_required": 0, "recent_admission_days": 30}}
        )
    assert proposal_rules.policy_name("payout-approvals", {}) == "payout-approvals"


# -- stale proposals, sending, settlement ------------------------------------------------------------


def test_a_proposal_whose_payables_another_run_paid_is_a_conflict_and_changes_nothing(runtime, market, work, approver):
    stale = runtime.payouts.propose(work.steward, "EUR", 100, "first")
    fresh = runtime.payouts.propose(work.steward, "EUR", 100, "second")
    runtime.payouts.approve_with_password(approver, fresh, "sasha-password")
    size, txs = runtime.log.size(), payout_txs(runtime)
    with pytest.raises(Conflict, match=r"line 1 .* is now owed 0.00 EUR; another run paid them"):
        runtime.payouts.approve_with_password(approver, stale, "sasha-password")
    assert (runtime.log.size(), payout_txs(runtime)) == (size, txs)
    assert runtime.payouts.run_view(stale).status == "pending" and runtime.payouts.run_view(stale).approvals == []
    with Session(runtime.engine) as session:
        assert session.scalar(select(func.count()).select_from(Payout).where(Payout.run_id == stale)) == 0


def test_the_proposer_cannot_record_the_banks_answer_and_nothing_is_settled_before_it_is_sent(
    runtime, market, work, approver
):
    run = runtime.payouts.propose(work.steward, "EUR", 100, "monthly")
    runtime.payouts.approve_with_password(approver, run, "sasha-password")
    payout = runtime.payouts.lines(run)[0].payout_id
    with pytest.raises(Conflict, match="mark the run sent first"):
        runtime.payouts.record_outcome(approver, payout, "settled")
    runtime.payouts.mark_sent(work.steward, run)
    with pytest.raises(NotAllowed, match="you proposed this payout's run"):
        runtime.payouts.record_outcome(work.steward, payout, "settled")
    assert runtime.ledger.balances(books.COOP_CASH) == {}
    runtime.payouts.record_outcome(approver, payout, "settled")
    assert [x.status for x in runtime.payouts.lines(run)] == ["settled", "sent"]


# -- over the API: members see it all ----------------------------------------------------------------


def test_members_see_a_run_its_lines_and_their_own_payouts_status_over_the_api(client, runtime, market, work, approver):
    run = runtime.payouts.propose(work.steward, "EUR", 100, "monthly")
    bo = api_token(client, "bo@coop.test", "bo-password")
    shown = client.get(f"/api/payouts/runs/{run}", headers=bo).json()
    assert shown["status"] == "pending" and shown["total_text"] == "27.00 EUR"
    assert {line["amount_text"] for line in shown["lines"]} == {"18.00 EUR", "9.00 EUR"}
    assert [x["status"] for x in client.get("/api/me/payouts", headers=bo).json()] == ["pending"]
    sasha = api_token(client, "sasha@coop.test", "sasha-password")
    body = client.get(f"/api/payouts/runs/{run}/approval", headers=sasha).json()
    assert body["kind"] == "payout.approved" and body["body"]["total"] == 2700
    approved = client.post(f"/api/payouts/runs/{run}/approvals", json={"password": "sasha-password"}, headers=sasha)
    assert approved.status_code == 201 and approved.json()["status"] == "approved", approved.text
    steward = api_token(client, "steward@coop.test", "steward-password")
    assert client.post(f"/api/payouts/runs/{run}/sent", headers=steward).status_code == 200
    assert [x["status"] for x in client.get("/api/me/payouts", headers=bo).json()] == ["sent"]
    own = client.post(f"/api/payouts/runs/{run}/approvals", json={"password": "steward-password"}, headers=steward)
    assert own.status_code in (403, 409)


# -- migration 0026: who admitted whom, from the log -------------------------------------------------


@pytest.mark.migrates
def test_migration_0026_reads_who_admitted_each_member_back_from_the_log(runtime, engine, steward, admit):
    runtime.policies.seed_defaults()
    member = admit("early")
    downgrade(engine, "0025")
    upgrade(engine)
    with Session(engine) as session:
        assert session.get(Member, member.account_id).admitted_by == steward.account_id
        assert session.get(Member, steward.account_id).admitted_by == "bootstrap"


def test_a_steward_approves_with_their_own_key_and_a_signature_over_other_lines_is_refused(
    client, runtime, market, work, admit, clock
):
    olga = admit("olga", roles=("member", "steward"))
    key = nacl.signing.SigningKey(b"\x09" * 32)
    runtime.keys.register_own_key(
        olga, sign_statement(key, "member.key-registration", runtime.keys.registration_body(olga))
    )
    clock.advance(days=31)
    run = runtime.payouts.propose(work.steward, "EUR", 100, "monthly")
    headers = api_token(client, "olga@coop.test", "olga-password")
    body = client.get(f"/api/payouts/runs/{run}/approval", headers=headers).json()["body"]

    def send(signed_body):
        s = sign_statement(key, "payout.approved", signed_body)
        statement = {"kind": s.kind, "body": signed_body, "key": b64(s.public_key), "sig": b64(s.signature)}
        return client.post(f"/api/payouts/runs/{run}/approvals", json={"statement": statement}, headers=headers)

    other = send({**body, "total": body["total"] - 900})
    assert other.status_code == 409 and "not this run's" in other.json()["detail"]
    assert payout_txs(runtime) == 0
    approved = send(body)
    assert approved.status_code == 201 and approved.json()["status"] == "approved", approved.text
    assert entry(runtime, approved.json()["approval_log_index"])["key"] == b64(bytes(key.verify_key))
    assert payout_txs(runtime) == 2


def test_a_run_paying_nobody_is_approved_and_sent_with_nothing_posted(runtime, market, work, approver):
    run = runtime.payouts.propose(work.steward, "EUR", 1_000_000, "too-high")
    assert runtime.payouts.lines(run) == [] and runtime.payouts.run_view(run).total == 0
    runtime.payouts.approve_with_password(approver, run, "sasha-password")
    assert runtime.payouts.run_view(run).status == "approved" and payout_txs(runtime) == 0
    runtime.payouts.mark_sent(work.steward, run)
    assert runtime.payouts.run_view(run).status == "sent"
