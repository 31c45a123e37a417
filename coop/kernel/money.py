"""Currency codes: the active ISO 4217 alphabetic codes, checked here and nowhere else.

Every place a currency enters the co-op (tasks, pay-floor policies and proposals, releases,
payouts, downstream revenue, the API and the portal forms) calls `check_currency`, so a release
priced in `E1R`, `eur` or `EURO` is refused at once, with the code named, instead of being logged
and never licensable. The list is ISO 4217 "list one" (currencies and funds in use, 2025), less
XTS (reserved for testing) and XXX (no currency); codes withdrawn since (HRK, SLL, CUC, ZWL, ANG)
are not in it. Update it when ISO adds a code (as it did XCG and ZWG)."""

from __future__ import annotations

import re
from typing import Any

from coop.kernel.errors import Refused

_ACTIVE_CODES = """
AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW
UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW
ZWG
"""
ISO_4217 = frozenset(_ACTIVE_CODES.split())


class UnknownCurrency(Refused):
    """Not an active ISO 4217 code (refused with 400, naming what was sent)."""

    @classmethod
    def about(cls, code: Any) -> UnknownCurrency:
        shown = repr(code[:20]) if isinstance(code, str) else type(code).__name__
        return cls(f"currency {shown} is not an ISO 4217 code such as EUR, USD or GBP (three capital letters)")


def check_currency(code: Any) -> str:
    """`code` itself when it is an active ISO 4217 alphabetic code (upper case, as ISO writes it)."""
    if isinstance(code, str) and code in ISO_4217:
        return code
    raise UnknownCurrency.about(code)


# Minor units per currency: the co-op's one definition, used by the books (ledger.books.format_minor),
# the portal's display (web.formatting) and every form that takes an amount (parse_major). Currencies
# without minor units have 0 digits; all others have two.
MINOR_DIGITS = {"JPY": 0, "KRW": 0}
_MAJOR = re.compile(r"^(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<part>\d+))?$")


def minor_digits(currency: str) -> int:
    """How many decimal places the currency's major unit has (2 unless MINOR_DIGITS says otherwise)."""
    return MINOR_DIGITS.get(currency, 2)


def parse_major(text: Any, currency: str, label: str = "amount", maximum: int = 10**15) -> int:
    """An amount people type ("1,800.00", "1800", "12.5", "1,800.00 EUR") as integer minor units of
    `currency`: the one conversion at the edge. Exact (from the digits, never through a float).
    Refused with a 400 naming the field: a negative or empty amount, a comma that is not a thousands
    separator ("1,80"), more decimals than the currency has ("12.345 EUR"), another currency's code,
    or more than `maximum` minor units."""
    check_currency(currency)
    if not isinstance(text, str):
        raise Refused(f"{label} must be written as text like 1,800.00")
    shown = text[:40]
    value = text.strip()
    if value.upper().endswith(currency):
        value = value[: -len(currency)].strip()
    match = _MAJOR.match(value)
    digits = minor_digits(currency)
    if match is None:
        decimals = f", a point and at most {digits} decimals" if digits else ""
        example = "1,800.00" if digits else "1,800"
        raise Refused(
            f"{label} must be an amount in {currency} like {example} (digits, optional thousands commas{decimals}), "
            f"not {shown!r}"
        )
    part = match.group("part") or ""
    if len(part) > digits:
        raise Refused(f"{label}: {currency} has {digits} decimal places, so {shown!r} is not an amount in it")
    whole = match.group("whole").replace(",", "")
    if len(whole) > 16:
        raise Refused(f"{label} is more than {maximum} minor units: {shown!r}")
    amount = int(whole) * 10**digits + (int(part.ljust(digits, "0")) if digits else 0)
    if amount > maximum:
        raise Refused(f"{label} is more than {maximum} minor units: {shown!r}")
    return amount


def format_major(amount: int, currency: str) -> str:
    """Integer minor units as the amount people read, with its currency (1234, "EUR" → "12.34 EUR"),
    for messages written below the web layer (a refusal's numbers). Exact, from the integer's
    digits; ungrouped, as the books write it (the portal groups with Babel: web.formatting)."""
    digits = minor_digits(currency)
    if digits == 0:
        return f"{amount} {currency}"
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 10**digits)
    return f"{sign}{whole}.{part:0{digits}d} {currency}"
