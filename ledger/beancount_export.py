"""The whole journal as a Beancount ledger, so anyone can check the books with `bean-check` and
compare its balances with the service's.

Amounts are integer minor units; Beancount gets them as decimals (2 places, or 0 for currencies
without minor units) — formatted from the integers, never through floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from ledger.books import format_minor as amount_text
from ledger.models import LedgerAccount
from ledger.reading import TxView


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def export(
    accounts: Iterable[LedgerAccount], transactions: Iterable[TxView], title: str = "coop-ledger"
) -> Iterator[str]:
    """Lines of a Beancount file: options, an `open` per account, one entry per journal transaction."""
    yield f"option {_quote('title')} {_quote(title)}\n"
    yield 'option "operating_currency" "EUR"\n\n'
    for account in accounts:
        yield f"{account.opened_at.date().isoformat()} open {account.code}\n"
    yield "\n"
    for tx in transactions:
        yield _entry(tx)


def _entry(tx: TxView) -> str:
    meta = [f'  coop-tx: "{tx.id}"', f"  coop-kind: {_quote(tx.kind)}"]
    if tx.ref:
        meta.append(f"  coop-ref: {_quote(tx.ref)}")
    if tx.log_index is not None:
        meta.append(f'  log-entry: "{tx.log_index}"')
    if tx.reverses_tx_id is not None:
        meta.append(f'  reverses: "{tx.reverses_tx_id}"')
    lines = [f"{_date(tx.occurred_at)} * {_quote(tx.description)}", *meta]
    lines += [f"  {leg.account}  {amount_text(leg.amount, leg.currency)}" for leg in tx.legs]
    return "\n".join(lines) + "\n\n"


def _date(when: datetime) -> str:
    return when.date().isoformat()


def balances(transactions: Iterable[TxView]) -> dict[tuple[str, str], int]:
    """Balances per (account, currency) the export implies, for comparison with bean-check's."""
    totals: dict[tuple[str, str], int] = {}
    for tx in transactions:
        for leg in tx.legs:
            key = (leg.account, leg.currency)
            totals[key] = totals.get(key, 0) + leg.amount
    return {k: v for k, v in totals.items() if v}
