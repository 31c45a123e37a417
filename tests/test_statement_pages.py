"""A statement a page at a time, and earnings per month summed by the database: what a member with
10,000 events opens (ledger.statements.statement_page, earnings_by_month; the API and the portal)."""

import re

import pytest

from ledger.books import BASE_PAY, PAYOUTS_IN_TRANSIT, REVENUE_SHARES, Leg, member_payable
from ledger.formula import ContributionWeightInput, FormulaParams, Weight
from ledger.formula.in_memory import compact_split
from ledger.formula.reference import split_revenue
from ledger.service import LedgerService
from ledger.statements import earnings_by_month, member_statement, statement_page
from tests.test_api_keys_flow import api_token

MEMBER = "M" + "a" * 31


@pytest.fixture
def books(engine, clock):
    return LedgerService(engine, clock)


def _base_pay(books, n, amount=1000, currency="EUR"):
    return books.post(
        "base-pay",
        f"base pay {n}",
        [Leg(BASE_PAY, amount, currency), Leg(member_payable(MEMBER), -amount, currency)],
        f"base-pay:{n}",
        ref=f"contribution:{n}",
    )


def _payout(books, n, amount):
    return books.post(
        "payout",
        f"payout {n}",
        [Leg(member_payable(MEMBER), amount, "EUR"), Leg(PAYOUTS_IN_TRANSIT, -amount, "EUR")],
        f"payout:{n}",
        ref=f"payout-run:{n}",
    )


def _all_pages(books, limit, newest_first):
    lines, cursor, pages = [], None, 0
    while True:
        page = statement_page(books, MEMBER, cursor=cursor, limit=limit, newest_first=newest_first)
        lines += page.lines
        pages += 1
        if page.next_cursor is None:
            return lines, pages
        assert page.next_cursor == page.lines[-1].tx_id
        cursor = page.next_cursor


@pytest.mark.parametrize("newest_first", [False, True])
def test_the_pages_of_a_statement_hold_every_line_once_in_order(books, clock, newest_first):
    for n in range(7):
        _base_pay(books, n)
        clock.advance(hours=1)
    whole = member_statement(books, MEMBER)
    lines, pages = _all_pages(books, 3, newest_first)
    assert lines == (whole[::-1] if newest_first else whole) and pages == 3


def test_a_full_last_page_says_there_is_nothing_after_it(books):
    for n in range(4):
        _base_pay(books, n)
    assert statement_page(books, MEMBER, limit=4).next_cursor is None
    assert statement_page(books, MEMBER, limit=3).next_cursor is not None


def test_a_page_never_splits_a_transaction_with_two_postings_to_the_member(books):
    _base_pay(books, 0)
    both = books.post(
        "base-pay",
        "paid in two currencies",
        [
            Leg(BASE_PAY, 700, "EUR"),
            Leg(member_payable(MEMBER), -700, "EUR"),
            Leg(BASE_PAY, 900, "USD"),
            Leg(member_payable(MEMBER), -900, "USD"),
        ],
        "base-pay:both",
    )
    _base_pay(books, 2)
    first = statement_page(books, MEMBER, limit=2)
    assert [line.tx_id for line in first.lines] == [both - 1, both, both] and first.next_cursor == both
    assert [(line.amount, line.currency) for line in first.lines[1:]] == [(700, "EUR"), (900, "USD")]
    assert [line.tx_id for line in statement_page(books, MEMBER, cursor=first.next_cursor, limit=2).lines] == [both + 1]
    lines, _ = _all_pages(books, 1, newest_first=True)
    assert [line.tx_id for line in lines] == [both + 1, both, both, both - 1]


def test_a_page_stays_within_the_period(books, clock):
    _base_pay(books, 0)
    clock.advance(days=10)
    start = clock.now
    inside = [_base_pay(books, n) for n in (1, 2, 3)]
    clock.advance(days=10)
    _base_pay(books, 4)
    page = statement_page(books, MEMBER, start, clock.now, limit=2, newest_first=True)
    assert [line.tx_id for line in page.lines] == inside[:0:-1]
    rest = statement_page(books, MEMBER, start, clock.now, cursor=page.next_cursor, limit=2, newest_first=True)
    assert [line.tx_id for line in rest.lines] == inside[:1] and rest.next_cursor is None


def test_a_page_holds_at_least_one_transaction(books):
    with pytest.raises(ValueError):
        statement_page(books, MEMBER, limit=0)


def test_earnings_per_month_count_pay_less_its_reversals_and_not_payouts(books, clock):
    clock.now = clock.now.replace(month=11, day=30, hour=23, minute=30)
    _base_pay(books, 0, 1000)
    clock.advance(hours=1)  # 2026-12-01 00:30 UTC
    reversed_pay = _base_pay(books, 1, 400)
    _base_pay(books, 2, 50, "USD")
    books.reverse(reversed_pay, "accepted by mistake", "reverse:1")
    payout = _payout(books, 3, 600)
    books.reverse(payout, "the bank bounced it", "reverse:3")
    assert earnings_by_month(books, MEMBER) == [("2026-11", "EUR", 1000), ("2026-12", "EUR", 0), ("2026-12", "USD", 50)]
    assert earnings_by_month(books, MEMBER, since=clock.now.replace(day=1, hour=0, minute=0)) == [
        ("2026-12", "EUR", 0),
        ("2026-12", "USD", 50),
    ]


def test_earnings_per_month_of_a_member_without_postings_are_empty(books):
    assert earnings_by_month(books, MEMBER) == []


MINE = [ContributionWeightInput(i, MEMBER, 300 + i, 1, 5) for i in (3, 8, 13)]
OTHERS = [ContributionWeightInput(i, "M" + "b" * 31, 500, 2, 7) for i in (1, 5, 21)]
SHARED = FormulaParams(1000, 500, Weight.BASE_PAY, 1)


def _revenue_share(books, amount=10_007):
    """A revenue share of license L1 posted as the revenue service posts it: its compact split as the details."""
    split = compact_split(amount, "EUR", SHARED, MINE + OTHERS)
    cents = split.totals()[MEMBER]
    books.post(
        "revenue-share",
        "shares of L1",
        [Leg(REVENUE_SHARES, cents, "EUR"), Leg(member_payable(MEMBER), -cents, "EUR")],
        "license:L1:shares",
        ref="license:L1",
        details=split.to_dict(),
    )
    return amount


def test_a_revenue_share_line_is_recomputed_from_the_contributions_the_books_port_gives(engine, clock):
    asked = []

    def licensed_contributions(session, license_ids, member):
        asked.append((license_ids, member))
        return {"L1": MINE}

    books = LedgerService(engine, clock, licensed_contributions=licensed_contributions)
    amount = _revenue_share(books)
    [line] = member_statement(books, MEMBER)
    reference = split_revenue(amount, "EUR", SHARED, MINE + OTHERS)
    expected = [
        {k: v for k, v in share.to_dict().items() if k != "rule"}
        for share in reference.contributor_shares
        if share.member == MEMBER
    ]
    assert line.arithmetic["contributions"] == expected and asked == [(["L1"], MEMBER)]


def test_books_without_the_port_refuse_a_statement_that_needs_licensed_contributions(books):
    _revenue_share(books)
    with pytest.raises(RuntimeError, match="licensed_contributions"):
        member_statement(books, MEMBER)


@pytest.fixture
def five_paydays(runtime, work, clock):
    """Five base pays to Amara, one a day."""
    from ledger.books import BASE_PAY as funding

    member = work.author.account_id
    for n in range(5):
        runtime.ledger.post(
            "base-pay",
            f"base pay {n}",
            [Leg(funding, 100 + n, "EUR"), Leg(member_payable(member), -(100 + n), "EUR")],
            f"pay-{n}",
            ref=f"contribution:{n}",
        )
        clock.advance(days=1)


def test_the_api_statement_comes_a_page_at_a_time_oldest_first(client, five_paydays):
    amara = api_token(client, "amara@coop.test", "amara-password")
    amounts, after = [], None
    for _ in range(3):
        body = client.get(
            "/api/me/earnings", params={"limit": 2, **({"after": after} if after else {})}, headers=amara
        ).json()
        amounts += [line["amount"] for line in body["lines"]]
        after = body["next_after"]
    assert amounts == [100, 101, 102, 103, 104] and after is None
    everything = client.get("/api/me/earnings", headers=amara).json()
    assert [line["amount"] for line in everything["lines"]] == amounts and everything["next_after"] is None


@pytest.mark.parametrize(
    "params, reason",
    [
        ({"limit": 0}, "limit is a number of transactions from 1 to 10000"),
        ({"limit": 10_001}, "limit is a number of transactions from 1 to 10000"),
        ({"after": "yesterday"}, "after"),
    ],
)
def test_the_api_refuses_a_page_it_cannot_serve_with_the_reason(client, five_paydays, params, reason):
    amara = api_token(client, "amara@coop.test", "amara-password")
    response = client.get("/api/me/earnings", params=params, headers=amara)
    assert response.status_code == 400 and reason in response.text


def test_the_api_gives_earnings_per_month(client, five_paydays):
    amara = api_token(client, "amara@coop.test", "amara-password")
    response = client.get("/api/me/earnings/months", headers=amara)
    assert response.status_code == 200
    assert response.json() == [{"month": "2026-11", "currency": "EUR", "earned": 100 + 101 + 102 + 103 + 104}]
    assert client.get("/api/me/earnings/months", params={"since": "2027-01-01"}, headers=amara).json() == []


def test_the_earnings_page_shows_the_newest_payments_and_links_to_older_ones(browse, work, runtime, clock, monkeypatch):
    import web.portal.money

    monkeypatch.setattr(web.portal.money, "EARNINGS_PAGE", 2)
    for n in range(5):
        runtime.ledger.post(
            "base-pay",
            f"base pay {n}",
            [Leg(BASE_PAY, 100 + n, "EUR"), Leg(member_payable(work.author.account_id), -(100 + n), "EUR")],
            f"pay-{n}",
            ref=f"contribution:{n}",
        )
    amara = browse(work.author)
    shown, url, pages = [], "/earnings", 0
    while url:
        page = amara.get(url)
        assert page.status_code == 200
        shown += re.findall(r'data-testid="line-amount">([0-9.]+) EUR', page.text)
        assert ("Newest payments" in page.text) == (pages > 0)
        older = re.search(r'<a href="([^"]+)" rel="next">Older payments</a>', page.text)
        url = older.group(1).replace("&amp;", "&") if older else None
        pages += 1
    assert pages == 3 and shown == ["1.04", "1.03", "1.02", "1.01", "1.00"]
