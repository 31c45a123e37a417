"""The books: balanced integer postings, idempotency, no negative payables, reversals only."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from coop.idempotency import request_digest
from coop.kernel.errors import Conflict
from ledger.books import COOP_CASH, SALES, Leg, Unbalanced, check_legs, member_payable, reversal_of
from ledger.fastpath_digest import digest_with_encoded_details
from ledger.service import BooksRefused, LedgerService
from provenance.core.canonical import canonical_json


@pytest.fixture
def books(engine, clock):
    return LedgerService(engine, clock)


legs_strategy = st.lists(
    st.tuples(
        st.sampled_from(["Assets:Coop:Cash", "Income:Sales", "Expenses:BasePay", "Liabilities:Members:Mabc"]),
        st.integers(-(10**12), 10**12).filter(bool),
        st.sampled_from(["EUR", "USD"]),
    ),
    min_size=1,
    max_size=6,
)


@given(legs_strategy)
def test_a_transaction_is_accepted_exactly_when_it_balances_per_currency(raw):
    legs = [Leg(a, n, c) for a, n, c in raw]
    balanced = len(legs) >= 2 and all(sum(n for _, n, cur in raw if cur == c) == 0 for c in {"EUR", "USD"})
    if balanced:
        check_legs(legs)
    else:
        with pytest.raises(Unbalanced):
            check_legs(legs)


@given(legs_strategy)
def test_a_reversal_negates_every_posting(raw):
    legs = [Leg(a, n, c) for a, n, c in raw]
    assert [leg.amount for leg in reversal_of(legs)] == [-leg.amount for leg in legs]


def test_floats_and_unbalanced_postings_are_refused(books):
    with pytest.raises(BooksRefused, match="not an integer"):
        books.post("sale", "x", [Leg(COOP_CASH, 10.5, "EUR"), Leg(SALES, -10.5, "EUR")], "k1")  # type: ignore[arg-type]
    with pytest.raises(BooksRefused, match="EUR off by 1"):
        books.post("sale", "x", [Leg(COOP_CASH, 101, "EUR"), Leg(SALES, -100, "EUR")], "k2")
    assert books.trial_balance() == {}


def test_a_currency_that_is_not_iso_4217_is_refused(books):
    with pytest.raises(BooksRefused, match="ISO 4217"):
        books.post("sale", "x", [Leg(COOP_CASH, 100, "ABC"), Leg(SALES, -100, "ABC")], "k3")
    assert books.trial_balance() == {}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(
    details=st.dictionaries(st.text(max_size=8), JSON, max_size=6),
    kind=st.text(max_size=12),
    legs=legs_strategy,
    ref=st.none() | st.text(max_size=12),
    reverses=st.none() | st.integers(1, 10**9),
)
def test_the_digest_of_already_encoded_details_is_the_request_digest(details, kind, legs, ref, reverses):
    legs = [list(leg) for leg in legs]
    expected = request_digest({"kind": kind, "legs": legs, "ref": ref, "details": details, "reverses": reverses})
    assert digest_with_encoded_details(kind, legs, ref, reverses, canonical_json(details)) == expected


def test_a_retried_request_changes_nothing(books):
    legs = [Leg(COOP_CASH, 500, "EUR"), Leg(SALES, -500, "EUR")]
    first = books.post("sale", "sale", legs, "retry-me")
    second = books.post("sale", "sale", legs, "retry-me")
    assert first == second
    assert books.balances(COOP_CASH) == {"EUR": 500}


def test_the_same_key_for_a_different_request_is_refused(books):
    books.post("sale", "sale", [Leg(COOP_CASH, 500, "EUR"), Leg(SALES, -500, "EUR")], "key")
    with pytest.raises(Conflict, match="already used for a different request"):
        books.post("sale", "sale", [Leg(COOP_CASH, 600, "EUR"), Leg(SALES, -600, "EUR")], "key")


def test_a_member_payable_never_goes_negative(books):
    payable = member_payable("abc")
    books.post("base-pay", "pay", [Leg("Expenses:BasePay", 1000, "EUR"), Leg(payable, -1000, "EUR")], "pay")
    books.post("payout", "payout", [Leg(payable, 1000, "EUR"), Leg("Assets:PayoutsInTransit", -1000, "EUR")], "out-1")
    with pytest.raises(BooksRefused, match="never goes negative"):
        books.post("payout", "payout", [Leg(payable, 1, "EUR"), Leg("Assets:PayoutsInTransit", -1, "EUR")], "out-2")
    assert books.member_balance("abc") == {}


def test_a_correction_is_a_reversal_that_references_the_original(books):
    tx = books.post("sale", "sale", [Leg(COOP_CASH, 500, "EUR"), Leg(SALES, -500, "EUR")], "s")
    reversal = books.reverse(tx, "entered twice", "undo-s")
    assert books.reverse(tx, "entered twice", "undo-s") == reversal
    with pytest.raises(Conflict, match="already reversed"):
        books.reverse(tx, "again", "undo-s-2")
    assert books.balances(COOP_CASH) == {}
    assert [t.reverses_tx_id for t in books.transactions()] == [None, tx]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE posting SET amount = amount + 1",
        "DELETE FROM posting",
        "UPDATE journal_tx SET description = 'x'",
        "DELETE FROM journal_tx",
    ],
)
def test_the_database_refuses_to_change_the_books(books, engine, sql):
    books.post("sale", "sale", [Leg(COOP_CASH, 500, "EUR"), Leg(SALES, -500, "EUR")], "s")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(sql))


def test_healthy_books_have_no_unbalanced_transaction(books):
    books.post(
        "sale",
        "sale",
        [Leg(COOP_CASH, 500, "EUR"), Leg(SALES, -500, "EUR"), Leg(COOP_CASH, 7, "USD"), Leg(SALES, -7, "USD")],
        "s",
    )
    assert books.unbalanced_transactions() == []
