"""Currencies are ISO 4217 codes, checked in one place (coop.kernel.money) wherever one enters the co-op."""

from __future__ import annotations

import pytest

from coop.kernel.errors import Refused
from coop.kernel.money import UnknownCurrency, check_currency
from coop.work.tasks import TaskSpec
from tests.test_money import market  # noqa: F401  (fixture)

NOT_CODES = ["EURO", "eur", "€€€", "E1R", "", "XXX", "XTS", "HRK"]


@pytest.mark.parametrize("code", NOT_CODES)
def test_what_is_not_an_active_iso_4217_code_is_refused_naming_it(code):
    with pytest.raises(UnknownCurrency, match="ISO 4217") as refusal:
        check_currency(code)
    assert repr(code) in str(refusal.value)


@pytest.mark.parametrize("code", ["EUR", "USD", "GBP", "JPY", "CHF", "XCG", "ZWG"])
def test_active_iso_4217_codes_are_accepted(code):
    assert check_currency(code) == code


def test_a_task_priced_in_an_unknown_currency_is_refused(runtime, steward):
    runtime.policies.seed_defaults()
    spec = TaskSpec(
        project="P",
        title="T",
        instructions="I",
        kind="expert-answer",
        unit="answer",
        minutes_per_unit=20,
        pay_per_unit=900,
        currency="eur",
        intended_uses=["model-training"],
    )
    with pytest.raises(Refused, match="'eur' is not an ISO 4217 code"):
        runtime.tasks.open(steward, spec)


def test_a_pay_floor_proposal_in_an_unknown_currency_is_refused(runtime, steward):
    runtime.policies.seed_defaults()
    options = {"body": {"hourly_minimum": {"E1R": 1500}, "flag_after_accepted": 5}}
    with pytest.raises(Refused, match="'E1R' is not an ISO 4217 code"):
        runtime.governance.propose(steward, "pay-floor", "Floor in E1R", "", options, None, None)


def test_a_release_priced_in_an_unknown_currency_is_refused_and_nothing_is_logged(runtime, work):
    size = runtime.log.size()
    with pytest.raises(UnknownCurrency, match="'E1R'"):
        runtime.datasets.cut_release(
            work.steward, "Clinical QA v1", "Answers", [work.task.id], ["model-training"], 300_000, "E1R"
        )
    assert runtime.datasets.releases() == [] and runtime.log.size() == size


def test_a_payout_run_in_an_unknown_currency_is_refused(runtime, steward):
    with pytest.raises(UnknownCurrency, match="'EURO'"):
        runtime.payouts.propose(steward, "EURO", 100, "run-euro")
    assert runtime.payouts.runs() == []


def test_downstream_revenue_in_an_unknown_currency_is_refused(runtime, market):
    license = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], "other", True, "lic-1")
    with pytest.raises(UnknownCurrency, match="'€€€'"):
        runtime.revenue.report_downstream(market.buyer, license.id, 100, "€€€", "x", "rev-1")


def test_the_api_refuses_a_release_in_an_unknown_currency_with_400_naming_it(client, runtime, steward):
    token = runtime.auth.create_token(steward, "t", ["read", "write"])
    release = {"title": "R", "task_ids": [], "intended_uses": ["model-training"], "price": 100, "currency": "E1R"}
    response = client.post("/api/releases", json=release, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "'E1R'" in response.json()["detail"]
