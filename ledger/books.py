"""Pure double-entry rules: a transaction balances to zero per currency, amounts are integers,
currencies are active ISO 4217 codes (the kernel's one check, coop.kernel.money), account codes
are valid Beancount account names. No database here."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from coop.kernel.money import check_currency, format_major

KINDS = ("Assets", "Liabilities", "Income", "Expenses", "Equity")
_COMPONENT = re.compile(r"^[A-Z0-9][A-Za-z0-9-]*$")


class Unbalanced(ValueError):
    """A transaction whose postings do not sum to zero in some currency. Never "fixed": refused."""


@dataclass(frozen=True)
class Leg:
    account: str
    amount: int  # positive = debit, negative = credit
    currency: str


def format_minor(amount: int, currency: str) -> str:
    """Integer minor units as a decimal amount with its currency ("1234, EUR" → "12.34 EUR").
    Exact: built from the integer's digits, never through a float (coop.kernel.money.format_major)."""
    return format_major(amount, currency)


def check_account_code(code: str) -> str:
    parts = code.split(":")
    if parts[0] not in KINDS or len(parts) < 2 or not all(_COMPONENT.match(p) for p in parts[1:]):
        raise ValueError(f"{code!r} is not an account name like Assets:Coop:Cash")
    return code


def check_legs(legs: Sequence[Leg]) -> None:
    """Refuses, with Unbalanced (UnknownCurrency for a currency), a transaction that is not at least two
    non-zero integer postings in known currencies to valid accounts, summing to zero per currency."""
    if len(legs) < 2:
        raise Unbalanced("a transaction has at least two postings")
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool):
            raise Unbalanced(f"amount {leg.amount!r} on {leg.account} is not an integer number of minor units")
        if leg.amount == 0:
            raise Unbalanced(f"a zero posting on {leg.account} records nothing")
        check_currency(leg.currency)  # UnknownCurrency, a Refused: the books refuse it like any bad posting
        check_account_code(leg.account)
        totals[leg.currency] += leg.amount
    off = {currency: total for currency, total in totals.items() if total}
    if off:
        raise Unbalanced(f"postings do not balance: {', '.join(f'{c} off by {t}' for c, t in sorted(off.items()))}")


def reversal_of(legs: Iterable[Leg]) -> list[Leg]:
    return [Leg(leg.account, -leg.amount, leg.currency) for leg in legs]


def member_payable(member_id: str) -> str:
    return f"Liabilities:Members:M{member_id}"


def buyer_receivable(org_id: str) -> str:
    return f"Assets:Receivables:O{org_id}"


def buyer_prepayment(org_id: str) -> str:
    return f"Liabilities:Prepayments:O{org_id}"


COOP_CASH = "Assets:Coop:Cash"
COOP_RESERVE = "Equity:Coop:Reserve"
PAYOUTS_IN_TRANSIT = "Assets:PayoutsInTransit"
SALES = "Income:Sales"
DOWNSTREAM = "Income:Downstream"
REVENUE_SHARES = "Expenses:RevenueShares"
BASE_PAY = "Expenses:BasePay"
REVIEWER_POOL = "Expenses:ReviewerShares"
