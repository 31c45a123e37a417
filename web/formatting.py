"""Template helpers: how money and hashes are shown. Integer minor units in, text out."""

from __future__ import annotations

import base64
import uuid

MINOR_DIGITS = {"JPY": 0, "KRW": 0}


def money(amount: int, currency: str) -> str:
    digits = MINOR_DIGITS.get(currency, 2)
    if digits == 0:
        return f"{amount} {currency}"
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), 10**digits)
    return f"{sign}{whole}.{cents:0{digits}d} {currency}"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def register(engine: object) -> None:
    """Litestar `engine_callback`: make the helpers available in every template."""
    engine.engine.globals.update(money=money, b64=b64, dict=dict, zip=zip, new_key=lambda: uuid.uuid4().hex)  # type: ignore[attr-defined]
    engine.engine.filters["zip"] = zip  # type: ignore[attr-defined]
