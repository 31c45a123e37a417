"""The measured half of bench/books_verify_bench.py, in a process of its own with only what it needs
imported, so its peak RSS is the verify's (or the raw scan's), not the seeding's.

    python -m bench.books_verify_child verify|scan DATABASE_URL      # prints one line of JSON
"""

from __future__ import annotations

import json
import sys
import time

from sqlalchemy import select

from coop.kernel.db import make_engine
from ledger.models import Posting


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not getrusage's ru_maxrss: Linux keeps that across
    exec, so a child forked from the big seeding process would report the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(mode: str, url: str) -> None:
    """Run in a process of its own: `verify` (as the CLI does) or `scan`; print JSON figures."""
    from coop.operations.books_audit import BooksAudit, transaction_page, verify_books
    from provenance import store

    engine = make_engine(url)
    imported = peak_rss_mb()
    started = time.perf_counter()
    counts: dict[str, int] = {}
    if mode == "verify":
        audit = BooksAudit()
        findings = [str(f) for f in verify_books(engine, audit)]
        counts = {"transactions": audit.transactions, "postings": audit.postings, "findings": len(findings)}
        for finding in findings[:20]:
            print(finding, file=sys.stderr)
    else:
        rows = postings = entries = 0
        with engine.connect() as conn:
            after = 0
            while True:
                page = transaction_page(conn, after)
                if not page:
                    break
                rows += len(page)
                low, high = page[0].id, page[-1].id
                postings += len(
                    conn.execute(
                        select(Posting.tx_id, Posting.account_code, Posting.amount, Posting.currency)
                        .where(Posting.tx_id >= low, Posting.tx_id <= high)
                        .order_by(Posting.tx_id, Posting.id)
                    ).all()
                )
                after = high
            for _entry in store.iter_entries(conn):
                entries += 1
        counts = {"transactions": rows, "postings": postings, "entries": entries}
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "imported_rss_mb": imported, **counts}))


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2])
