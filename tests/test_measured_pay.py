"""Pay per hour from the time the server measured (issue 14, parts 3 and 4): the pay-floor check
reads measured seconds where an item was answered (the member's minutes only where there is no
measurement), the member's page and GET /api/me/pay show pay per measured hour with its arithmetic,
and every member sees every reviewer's overturn rate."""

import json
import re

from tests.conftest import TERMS
from tests.test_appeals import appealed
from tests.test_contributions import GOOD, submit

WRITTEN = {"edit": "none", "min_sources": 0}


def item_task(runtime, work, count):
    """The work task (900 EUR cents per answer, floor 1800/h, flagged after 5) with `count` items, k = 1."""
    items = "\n".join(json.dumps({"prompt": f"Question {n}?"}) for n in range(count))
    runtime.items.import_batch(work.steward, work.task.id, "jsonl", items)
    runtime.answer_specs.set(work.steward, work.task.id, "written", WRITTEN, 1)


def answer_item(runtime, work, clock, seconds, minutes, accept=True):
    """The author claims the next item, works `seconds` by the server's clock, reports `minutes`."""
    claim = runtime.claims.claim_next(work.author, work.task.id)
    clock.advance(seconds=seconds)
    receipt = runtime.item_answers.answer_with_password(
        work.author,
        claim.id,
        {"text": f"Answer after {seconds} s.", "edited": None, "sources": []},
        minutes,
        TERMS,
        "amara-password",
    )
    if accept:
        for reviewer in work.reviewers[:2]:
            runtime.reviews.review(reviewer, receipt.contribution.id, GOOD, "ok")
    return receipt


def test_measured_time_flags_a_task_whose_reported_minutes_clear_the_floor(runtime, work, clock):
    item_task(runtime, work, 5)
    for _ in range(5):
        answer_item(runtime, work, clock, seconds=40 * 60, minutes=5)  # reported: 10,800/h; measured: 1,350/h
    task = runtime.tasks.get(work.task.id)
    assert task.status == "flagged"
    assert task.flag_reason.startswith("median measured time 40 min 0 s (2400 s) per answer over 5 accepted")
    assert "⌊900 × 3600 / 2400⌋ = 1350 per hour, below the floor of 1800 EUR per hour" in task.flag_reason


def test_measured_time_clears_a_task_whose_reported_minutes_would_flag_it(runtime, work, clock):
    item_task(runtime, work, 5)
    for _ in range(5):
        answer_item(runtime, work, clock, seconds=10 * 60, minutes=45)  # reported: 1,200/h; measured: 5,400/h
    assert runtime.tasks.get(work.task.id).status == "open"


def test_work_without_a_measured_time_is_judged_by_the_minutes_reported(runtime, work):
    for n in range(5):
        c = submit(runtime, work, text=f"answer {n}", minutes=45)
        for reviewer in work.reviewers[:2]:
            runtime.reviews.review(reviewer, c.id, GOOD, "ok")
    task = runtime.tasks.get(work.task.id)
    assert task.status == "flagged" and task.flag_reason.startswith("median self-reported time 45 min 0 s")


def test_the_member_page_shows_pay_per_measured_hour_with_its_arithmetic(runtime, work, clock, browse):
    item_task(runtime, work, 3)
    answer_item(runtime, work, clock, seconds=600, minutes=30)
    answer_item(runtime, work, clock, seconds=900, minutes=30)
    answer_item(runtime, work, clock, seconds=300, minutes=30, accept=False)  # submitted, not yet accepted
    page = browse(work.author).get("/me").text
    line = re.search(r'data-testid="pay-line-' + work.task.id + r'">(.*?)</tr>', page, re.S).group(1)
    # By hand: 2 accepted × 9.00 EUR = 18.00 EUR over 600 + 900 = 1500 s; 1800 × 3600 / 1500 = 4320.
    assert "2 of 3 submitted" in line
    assert '<td data-testid="earned">18.00 EUR</td>' in line
    assert "<strong>43.20 EUR</strong> per hour" in line
    assert "⌊1800 × 3600 / 1500 s⌋ = 4320" in line
    assert "floor 18.00 EUR per hour (pay-floor v1)" in line and "below the floor" not in line
    assert "0.42 h" in line  # 1500 s
    assert "Note: you reported 60 min on the accepted work (not used: the measured time is)" in line


def test_a_rate_below_the_floor_is_marked_on_the_member_page(runtime, work, clock, browse):
    item_task(runtime, work, 1)
    answer_item(runtime, work, clock, seconds=44 * 60, minutes=1)  # 900 × 3600 / 2640 = 1227 < 1800
    page = browse(work.author).get("/me").text
    assert "<strong>12.27 EUR</strong> per hour" in page and "below the floor" in page


def test_the_json_lines_match_the_page(runtime, work, clock, client):
    item_task(runtime, work, 2)
    answer_item(runtime, work, clock, seconds=600, minutes=30)
    answer_item(runtime, work, clock, seconds=900, minutes=30)
    [line] = my_pay(runtime, client, work.author).json()
    assert line["task_id"] == work.task.id and line["accepted"] == 2 and line["measured_seconds"] == 1500
    assert line["earned"] == 1800 and line["hourly_rate"] == 4320 and line["hourly_rate_source"] == "measured"
    assert line["floor"] == 1800 and line["below_floor"] is False
    assert line["arithmetic"] == "⌊1800 × 3600 / 1500⌋ = 4320" and line["reported_minutes_note"] == 60


def test_free_text_work_is_paid_and_counted_but_not_in_the_measured_rate(runtime, work, client):
    c = submit(runtime, work, minutes=18)
    for reviewer in work.reviewers[:2]:
        runtime.reviews.review(reviewer, c.id, GOOD, "ok")
    [line] = my_pay(runtime, client, work.author).json()
    assert line["accepted"] == 1 and line["earned"] == 900 and line["unmeasured_accepted"] == 1
    assert line["hourly_rate"] is None and line["reported_minutes_note"] == 18


def test_a_member_sees_only_their_own_pay(runtime, work, clock, client, admit):
    item_task(runtime, work, 1)
    answer_item(runtime, work, clock, seconds=600, minutes=10)
    assert my_pay(runtime, client, admit("bo")).json() == []


def test_a_buyer_is_refused_pay_lines(runtime, client):
    account_id = runtime.members.register_buyer("Acme", "Ann Buyer", "ann@acme.test", "ann-buyer-password")
    assert my_pay(runtime, client, runtime.members.principal(account_id)).status_code == 403


def my_pay(runtime, client, principal):
    token = runtime.auth.create_token(principal, "pay", ["read"])
    return client.get("/api/me/pay", headers={"Authorization": f"Bearer {token}"})


def decided_overturn(runtime, work):
    """An appeal of work rejected by reviewers 0 and 1, overturned by reviewer 2."""
    _, appeal = appealed(runtime, work)
    runtime.appeals.decide(work.reviewers[2], appeal.id, "overturned", "The answer is defensible.")


def test_a_plain_member_sees_every_reviewers_overturn_rate(runtime, work, browse, admit):
    decided_overturn(runtime, work)
    page = browse(admit("bo")).get("/reviewers")
    assert page.status_code == 200
    for reviewer in work.reviewers[:2]:
        row = re.search(rf'data-testid="overturn-rate-{reviewer.account_id}">(.*?)</tr>', page.text, re.S).group(1)
        assert "1 × 100 / 1 = 100%" in row


def test_a_reviewer_sees_their_own_overturn_rate_on_their_page(runtime, work, browse):
    decided_overturn(runtime, work)
    mine = browse(work.reviewers[0]).get("/me").text
    assert "1 of 1 decided appeals were overturned: 1 × 100 / 1 = 100%" in mine
    untouched = browse(work.reviewers[2]).get("/me").text
    assert "No appeal of work you reviewed has been decided yet." in untouched


def test_a_member_who_is_not_a_reviewer_has_no_overturn_block(work, browse):
    assert 'id="overturn"' not in browse(work.author).get("/me").text


def test_reviewers_find_appeals_and_every_member_the_reviewers_in_the_menu(work, browse):
    reviewer_menu = browse(work.reviewers[0]).get("/me").text
    member_menu = browse(work.author).get("/me").text
    assert '<a href="/appeals">Appeals</a>' in reviewer_menu and '<a href="/appeals">' not in member_menu
    assert '<a href="/reviewers">Reviewers</a>' in member_menu


def test_the_contribution_page_shows_the_measured_time_and_the_reported_minutes_as_a_note(runtime, work, clock, browse):
    item_task(runtime, work, 1)
    receipt = answer_item(runtime, work, clock, seconds=754, minutes=30, accept=False)
    page = browse(work.author).get(f"/contributions/{receipt.contribution.id}").text
    assert '<dd data-testid="measured-time">754 s</dd>' in page
    assert '<dd data-testid="reported-minutes">30 <small>(a note' in page


def test_free_text_work_shows_its_minutes_as_self_reported(runtime, work, browse):
    c = submit(runtime, work, minutes=18)
    page = browse(work.author).get(f"/contributions/{c.id}").text
    assert "Minutes (self-reported)" in page and 'data-testid="measured-time"' not in page
