"""Governance pages over HTTP: propose, discuss, vote in place, results with rounds, policies."""

import re

import pytest

from tests.test_governance import password


@pytest.fixture
def voters(runtime, steward, admit):
    runtime.policies.seed_defaults()
    people = [admit(name) for name in ("ana", "ben", "cat")]
    for person in people:
        runtime.keys.create_custodial_key(person, password(person))
    return people


def test_members_propose_a_higher_floor_vote_and_it_passes_at_close(runtime, voters, browse, clock, steward):
    ana = browse(voters[0])
    form = {
        "kind": "pay-floor",
        "title": "Raise the floor",
        "description": "Costs rose.",
        "floor_EUR": "24.00",
        "floor_USD": "26.00",
        "floor_GBP": "21.00",
        "flag_after_accepted": "5",
        "voting_minutes": "60",
        "effective_at": "",
    }
    response = ana.post("/proposals/new", form)
    assert response.status_code == 303, response.text
    proposal_path = response.headers["location"].split("?")[0]
    page = ana.get(proposal_path).text
    assert "-    &#34;EUR&#34;: 1800" in page or '"EUR": 1800' in page.replace("&#34;", '"')
    for member, choice in zip(voters, ("yes", "yes", "no")):
        b = browse(member)
        fragment = b.client.post(
            f"{proposal_path}/vote",
            data={"vote": choice, "password": password(member), "_csrf_token": b.csrf},
            headers={"hx-request": "true"},
        )
        assert fragment.status_code == 200 and 'data-testid="my-vote"' in fragment.text and "<html" not in fragment.text
    assert "Turnout: <strong>3</strong> of 4 eligible" in ana.get(proposal_path).text  # the steward is a member too
    clock.advance(minutes=61)
    runtime.governance.close_due()  # the ticker's step
    ana = browse(voters[0])  # an hour later: a new session
    closed = ana.get(proposal_path).text
    assert 'data-testid="result">adopted' in closed and "pay-floor v2" in closed
    assert "v2" in ana.get("/policies").text


def test_a_late_vote_is_refused_in_place(runtime, voters, browse, clock):
    proposal = runtime.governance.propose(voters[0], "resolution", "R", "", {"text": "t"}, voting_minutes=60)
    clock.advance(minutes=61)
    b = browse(voters[1])
    response = b.client.post(
        f"/proposals/{proposal.id}/vote",
        data={"vote": "yes", "password": password(voters[1]), "_csrf_token": b.csrf},
        headers={"hx-request": "true"},
    )
    assert response.status_code in (409, 200)
    assert "closed" in response.text or 'data-testid="result"' in b.get(f"/proposals/{proposal.id}").text


def test_a_proposal_past_its_close_shows_counting_until_the_ticker_closes_it(runtime, voters, browse, clock):
    proposal = runtime.governance.propose(voters[0], "resolution", "R", "", {"text": "t"}, voting_minutes=60)
    clock.advance(minutes=61)
    b = browse(voters[1])
    page = b.get(f"/proposals/{proposal.id}").text
    assert (
        'data-testid="proposal-status">counting<' in page
        and 'id="vote"' not in page
        and 'data-testid="result"' not in page
    )
    runtime.governance.close_due()
    assert 'data-testid="proposal-status">closed<' in b.get(f"/proposals/{proposal.id}").text


def test_ranked_choice_results_show_every_round(runtime, voters, browse, clock):
    from governance.defaults import RUBRICS

    drafts = [{"label": label, "body": RUBRICS["ranking"]} for label in ("A", "B", "C")]
    proposal = runtime.governance.propose(
        voters[0], "rubric", "Ranking rubric", "", {"task_kind": "ranking", "drafts": drafts}, voting_minutes=60
    )
    for member, ranks in zip(voters, ({"A": "1", "B": "2"}, {"B": "1"}, {"C": "1", "A": "2"})):
        b = browse(member)
        data = {f"rank-{k}": v for k, v in ranks.items()} | {"password": password(member), "_csrf_token": b.csrf}
        assert (
            b.client.post(f"/proposals/{proposal.id}/vote", data=data, headers={"hx-request": "true"}).status_code
            == 200
        )
    clock.advance(minutes=61)
    runtime.governance.close_due()
    page = browse(voters[0]).get(f"/proposals/{proposal.id}").text
    assert "Rounds of the count" in page and 'data-testid="result">elected' in page
    assert len(re.findall(r"<tr><td>\d+</td>", page)) == len(runtime.governance.get(proposal.id).result["rounds"])


def test_discussion_comments_are_added_in_place(runtime, voters, browse):
    proposal = runtime.governance.propose(voters[0], "resolution", "R", "", {"text": "t"}, voting_minutes=60)
    b = browse(voters[1])
    response = b.client.post(
        f"/proposals/{proposal.id}/comments",
        data={"text": "I support this.", "_csrf_token": b.csrf},
        headers={"hx-request": "true"},
    )
    assert response.status_code == 200 and "I support this." in response.text and '<ol id="comments"' in response.text


def test_the_admission_form_lists_applicants_by_name_and_skills_never_email(runtime, voters, browse):
    runtime.members.apply("Gil Applicant", "gil@coop.test", "gil-password-long", skills="triage nursing", region="EU")
    page = browse(voters[0]).get("/proposals/new?kind=admit-member").text
    assert "Gil Applicant — triage nursing" in page and "gil@coop.test" not in page
    assert "Gil Applicant" not in browse(voters[1]).get("/proposals/new").text  # other kinds do not list them


def test_the_pay_floor_form_offers_the_currencies_of_the_floor_in_force(runtime, voters, browse, clock):
    runtime.policies.adopt(
        "pay-floor",
        {"hourly_minimum": {"EUR": 1800, "CHF": 2500}, "flag_after_accepted": 5},
        clock(),
        "proposal:" + "0" * 32,
    )
    page = browse(voters[0]).get("/proposals/new?kind=pay-floor").text
    assert re.findall(r'name="floor_([A-Z]{3})"', page) == ["CHF", "EUR"]


def test_a_pay_floor_proposal_reads_each_currency_of_the_floor_in_force(runtime, voters, browse):
    form = {
        "kind": "pay-floor",
        "title": "Raise the floor",
        "floor_EUR": "24.00",
        "floor_USD": "26.00",
        "floor_GBP": "",
        "flag_after_accepted": "5",
        "voting_minutes": "60",
        "effective_at": "",
    }
    response = browse(voters[0]).post("/proposals/new", form)
    assert response.status_code == 303, response.text
    proposal = runtime.governance.list("open")[0]
    assert proposal.options["body"]["hourly_minimum"] == {"EUR": 2400, "USD": 2600}
