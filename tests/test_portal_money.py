"""Money pages over HTTP: a buyer checks consent and licenses; members see their shares with the arithmetic."""

import re

from tests.test_checkout import confirm_form
from tests.test_money import market  # noqa: F401  (fixture)


def test_a_buyer_licenses_for_commercial_training_and_members_see_their_shares(runtime, market, browse, work):
    buyer = browse(market.buyer)
    check = buyer.client.get(
        f"/releases/{market.release.id}/check",
        params={"uses": ["model-training", "commercial"], "sector": "other"},
        headers={"hx-request": "true"},
    )
    assert 'data-testid="licensable"><strong>2</strong> of 3' in check.text
    assert "1 because a declared use is not permitted by the contributor" in check.text
    form = confirm_form(buyer, market.release.id, ["model-training", "commercial"])
    licensed = buyer.post(f"/releases/{market.release.id}/license", form)
    assert licensed.status_code == 303, licensed.text
    assert (
        buyer.post(f"/releases/{market.release.id}/license", form).status_code == 303
    )  # a double submit changes nothing
    assert len(runtime.revenue.events()) == 1

    amara = browse(work.author).get("/earnings").text
    shares = re.findall(
        r'data-testid="share">contribution #(\d+): ⌊(\d+) × (\d+) / (\d+)⌋ = (\d+), '
        r"remainder (\d+)( \+ 1 leftover unit)? → <strong>(\d+)</strong>",
        amara,
    )
    assert len(shares) == 2
    for _, pool, weight, total, floor, remainder, leftover, amount in shares:
        assert int(floor) == int(pool) * int(weight) // int(total) and int(remainder) == int(pool) * int(weight) % int(
            total
        )
        assert int(amount) == int(floor) + (1 if leftover else 0)
    bo = browse(market.bo).get("/earnings").text
    assert 'data-testid="share"' not in bo  # Bo excluded commercial use: nothing from this license
    assert "9.00 EUR" in bo  # his base pay


def test_a_buyer_who_does_not_accept_the_terms_is_refused(runtime, market, browse):
    buyer = browse(market.buyer)
    form = confirm_form(buyer, market.release.id, ["model-training", "commercial"])
    del form["accept_terms"]
    response = buyer.post(f"/releases/{market.release.id}/license", form)
    assert response.status_code == 400 and "accept the license terms" in response.text
    assert runtime.datasets.licenses(market.buyer) == []


def test_a_steward_proposes_a_run_members_see_it_pending_and_another_steward_approves_and_sends_it(
    runtime, market, browse, work, approver
):
    steward = browse(work.steward)
    assert (
        steward.post("/payouts", {"currency": "EUR", "minimum": "1.00", "idempotency_key": "run-a"}).status_code == 303
    )
    [run] = runtime.payouts.runs()
    bo = browse(market.bo).get("/payouts").text  # a member sees the run, its lines and total before it is paid
    assert "pending" in bo and "9.00 EUR" in bo and "27.00 EUR" in bo
    assert f'action="/payouts/{run.id}/approve"' not in steward.get("/payouts").text  # not for its proposer
    second = browse(approver)
    assert second.post(f"/payouts/{run.id}/approve", {"password": "sasha-password"}).status_code == 303
    page = steward.get("/payouts").text
    assert re.search(r'data-testid="run-status">approved<', page)
    csv_text = steward.get(f"/payouts/{run.id}/csv").text
    assert csv_text.splitlines()[0].startswith("payout_id,member_id") and len(csv_text.splitlines()) == 3
    assert steward.post(f"/payouts/{run.id}/sent", {}).status_code == 303
    assert 'data-testid="my-payout-status">sent<' in browse(market.bo).get("/payouts").text
