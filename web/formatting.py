"""Template helpers: how money and hashes are shown. Integer minor units in, text out."""

from __future__ import annotations

import base64
import uuid

from litestar.plugins.jinja import JinjaTemplateEngine

from ledger.books import format_minor as money


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def register(engine: JinjaTemplateEngine) -> None:
    """Litestar `engine_callback`: make the helpers available in every template."""
    engine.engine.globals.update(money=money, b64=b64, dict=dict, zip=zip, new_key=lambda: uuid.uuid4().hex)
    engine.engine.filters["zip"] = zip
