"""Currency codes: the active ISO 4217 alphabetic codes, checked here and nowhere else.

Every place a currency enters the co-op (tasks, pay-floor policies and proposals, releases,
payouts, downstream revenue, the API and the portal forms) calls `check_currency`, so a release
priced in `E1R`, `eur` or `EURO` is refused at once, with the code named, instead of being logged
and never licensable. The list is ISO 4217 "list one" (currencies and funds in use, 2025), less
XTS (reserved for testing) and XXX (no currency); codes withdrawn since (HRK, SLL, CUC, ZWL, ANG)
are not in it. Update it when ISO adds a code (as it did XCG and ZWG)."""

from __future__ import annotations

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
