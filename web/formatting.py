"""Template helpers: how money and hashes are shown. Integer minor units in, text out.

Money is shown in major units with its currency, grouped as people read it ("1,800.00 EUR"):
Babel formats the exact decimal (built from the integer's digits, never a float) for the portal's
locale, with as many decimals as the co-op's minor units have (coop.kernel.money.minor_digits),
so what a form shows is what `parse_major` reads back. The Beancount export keeps its own
ungrouped form (ledger.books.format_minor)."""

from __future__ import annotations

import base64
import uuid
from decimal import Decimal

from babel.numbers import format_decimal
from litestar.plugins.jinja import JinjaTemplateEngine

from coop.kernel.money import minor_digits

LOCALE = "en"  # the portal's language; one place to change when it speaks another


def money(amount: int, currency: str) -> str:
    """12345, "EUR" → "123.45 EUR"; 180000, "EUR" → "1,800.00 EUR"; 1800, "JPY" → "1,800 JPY"."""
    digits = minor_digits(currency)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    value = Decimal(amount).scaleb(-digits)
    return f"{format_decimal(value, format=pattern, locale=LOCALE, decimal_quantization=True)} {currency}"


def major(amount: int, currency: str) -> str:
    """The amount alone, as a form field shows it for editing ("1,800.00")."""
    return money(amount, currency).rsplit(" ", 1)[0]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def register(engine: JinjaTemplateEngine) -> None:
    """Litestar `engine_callback`: make the helpers available in every template."""
    engine.engine.globals.update(
        money=money, major=major, b64=b64, dict=dict, zip=zip, new_key=lambda: uuid.uuid4().hex
    )
    engine.engine.filters["zip"] = zip
