"""Money typed as people write it: the task form, the rate form and the pay-floor proposal form take
major units of the currency ("12.50"), store integer minor units (1250) and show major units back;
an amount that is not one ("12.505", "abc") is refused next to its field, and nothing changes."""

import html
import re

import pytest

from tests.test_governance import password

TASK_FORM = {
    "project": "P",
    "title": "Dosing questions",
    "instructions": "-",
    "kind": "expert-answer",
    "unit": "answer",
    "minutes_per_unit": "20",
    "currency": "EUR",
    "intended_uses": ["model-training"],
    "buyer_org": "",
}


def field_error(page: str, field_id: str) -> str:
    """The error text shown under the form field whose error paragraph has id `field_id`."""
    found = re.search(rf'<p class="error" id="{field_id}">(.*?)</p>', page, re.S)
    assert found, f"no error at {field_id}"
    return html.unescape(found.group(1))


def test_a_task_typed_at_12_50_eur_per_unit_stores_1250_minor_units_and_shows_12_50_eur(runtime, work, browse):
    steward = browse(work.steward)
    response = steward.post("/tasks/new", {**TASK_FORM, "pay_per_unit": "12.50"})
    assert response.status_code == 303, response.text
    task_path = response.headers["location"].split("?")[0]
    task = runtime.tasks.get(task_path.rsplit("/", 1)[-1])
    assert (task.pay_per_unit, task.currency) == (1250, "EUR")
    assert "12.50 EUR per answer" in steward.get(task_path).text
    assert "12.50 EUR" in steward.get("/tasks").text and "37.50 EUR" in steward.get("/tasks").text  # and per hour


@pytest.mark.parametrize("typed", ["12.505", "abc"])
def test_a_pay_per_unit_that_is_not_an_amount_is_refused_at_its_field(runtime, work, browse, typed):
    steward = browse(work.steward)
    before = len(runtime.tasks.list(None))
    response = steward.post("/tasks/new", {**TASK_FORM, "pay_per_unit": typed})
    assert response.status_code == 400
    reason = field_error(response.text, "e-pay_per_unit")
    assert reason.startswith("pay per unit") and repr(typed) in reason
    assert 'aria-invalid="true"' in response.text and f'value="{typed}"' in response.text  # kept, to correct
    assert len(runtime.tasks.list(None)) == before


def test_an_unknown_currency_on_the_task_form_is_refused_at_the_currency_field(runtime, work, browse):
    response = browse(work.steward).post("/tasks/new", {**TASK_FORM, "currency": "EURO", "pay_per_unit": "12.50"})
    assert response.status_code == 400
    assert "'EURO' is not an ISO 4217 code" in field_error(response.text, "e-currency")


def test_raising_a_rate_takes_major_units_and_refuses_a_third_decimal_at_the_field(runtime, work, browse):
    steward = browse(work.steward)
    path = f"/tasks/{work.task.id}"
    assert "now 9.00" in steward.get(path).text
    refused = steward.post(f"{path}/rate", {"pay_per_unit": "12.505"})
    assert refused.status_code == 400
    assert "EUR has 2 decimal places" in field_error(refused.text, "e-rate")
    assert runtime.tasks.get(work.task.id).pay_per_unit == 900
    assert steward.post(f"{path}/rate", {"pay_per_unit": "12.50"}).status_code == 303
    assert runtime.tasks.get(work.task.id).pay_per_unit == 1250
    assert "12.50 EUR per answer" in steward.get(path).text


@pytest.fixture
def voters(runtime, steward, admit):
    runtime.policies.seed_defaults()
    people = [admit(name) for name in ("ana", "ben")]
    for person in people:
        runtime.keys.create_custodial_key(person, password(person))
    return people


FLOOR_FORM = {
    "kind": "pay-floor",
    "title": "Raise the floor",
    "description": "",
    "floor_EUR": "12.50",
    "floor_USD": "20.00",
    "floor_GBP": "16.00",
    "flag_after_accepted": "5",
    "voting_minutes": "60",
    "effective_at": "",
}


def test_the_pay_floor_form_shows_the_floor_in_force_in_major_units(runtime, voters, browse):
    page = browse(voters[0]).get("/proposals/new?kind=pay-floor").text
    assert "EUR (now 18.00 EUR)" in page and 'name="floor_EUR" inputmode="decimal" value="18.00"' in page


def test_a_pay_floor_typed_at_12_50_eur_proposes_1250_and_its_page_shows_major_units(runtime, voters, browse):
    ana = browse(voters[0])
    response = ana.post("/proposals/new", FLOOR_FORM)
    assert response.status_code == 303, response.text
    proposal = runtime.governance.list("open")[0]
    assert proposal.options["body"]["hourly_minimum"] == {"EUR": 1250, "USD": 2000, "GBP": 1600}
    page = ana.get(response.headers["location"].split("?")[0]).text
    table = page[page.index('data-testid="floor-changes"') :]
    assert re.search(r"<td>EUR</td><td>12.50 EUR/h</td><td>18.00 EUR/h</td>", table)


@pytest.mark.parametrize("typed", ["12.505", "abc"])
def test_a_pay_floor_that_is_not_an_amount_is_refused_at_its_currency_field(runtime, voters, browse, typed):
    response = browse(voters[0]).post("/proposals/new", {**FLOOR_FORM, "floor_EUR": typed})
    assert response.status_code == 400
    reason = field_error(response.text, "e-floor-EUR")
    assert reason.startswith("the EUR floor per hour") and repr(typed) in reason
    assert "e-floor-USD" not in response.text
    assert runtime.governance.list("open") == []


def test_the_policies_page_shows_the_pay_floor_in_major_units(runtime, voters, browse):
    page = browse(voters[0]).get("/policies").text
    assert "18.00 EUR/h" in page
