"""Issue 16, part 2: the books answer to the log. Someone holding the database drops the append-only
triggers (as anyone with the database's owner role can) and moves an amount between the legs of a
base pay, inserts a forged balanced transaction, deletes a posting or a whole transaction: each is
named by `coop books verify` (transaction id, what differs) on both databases, and an untouched
co-op verifies clean."""

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from coop.kernel.db import write_connection
from coop.membership.models import Account
from coop.operations.books_audit import BooksAudit, verify_books
from coop.work.models import Acceptance, Contribution
from ledger import books
from ledger.commitment import KIND
from ledger.models import JournalTx, Posting
from provenance import store
from web.cli.books import verify_books_of
from web.demo import DEMO_STEWARD, seed_demo


@pytest.fixture
def demo(runtime):
    """The demo co-op (base pay, a sale, a downstream royalty and their shares) with its sent payout
    run: one payout settled, one failed (so reversed), recorded by the steward who did not propose it."""
    runtime.policies.seed_defaults()
    seed_demo(runtime)
    with runtime.engine.connect() as conn:
        steward = runtime.members.principal(conn.scalar(select(Account.id).where(Account.email == DEMO_STEWARD[1])))
    # the demo's run proposed by the second steward, approved by the first and sent to the bank
    (run_id,) = [run.id for run in runtime.payouts.run_views() if run.status == "sent"]
    lines = runtime.payouts.lines(run_id)
    assert len(lines) >= 2
    runtime.payouts.record_outcome(steward, lines[0].payout_id, "settled")
    runtime.payouts.record_outcome(steward, lines[1].payout_id, "failed")
    return runtime


def findings(engine):
    return [str(f) for f in verify_books(engine)]


def open_the_books(engine, tables=("posting", "journal_tx")):
    """What an attacker with the database does first: drop the append-only triggers."""
    with write_connection(engine) as conn, conn.begin():
        for table in tables:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
            else:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))


def a_transaction(engine, kind):
    with engine.connect() as conn:
        return conn.scalar(select(func.min(JournalTx.id)).where(JournalTx.kind == kind))


def test_an_untouched_coop_verifies_clean_with_every_transaction_committed(demo, engine, capsys):
    audit = BooksAudit()
    assert [str(f) for f in verify_books(engine, audit)] == []
    with engine.connect() as conn:
        kinds = set(conn.scalars(select(JournalTx.kind)))
        assert audit.transactions == conn.scalar(select(func.count()).select_from(JournalTx))
        assert audit.postings == conn.scalar(select(func.count()).select_from(Posting))
    assert {"base-pay", "sale", "downstream", "revenue-share", "payout", "payout-settled", "reversal"} <= kinds
    assert audit.commitments == audit.transactions
    assert verify_books_of(engine) == 0
    assert "books verified" in capsys.readouterr().out


def test_a_payout_run_commits_all_its_transactions_in_one_append(demo, engine):
    """One database transaction, one append: the run's payouts share the same log entry."""
    with engine.connect() as conn:
        entries = [json for _i, _h, json in store.iter_entries(conn) if f'"kind":"{KIND}"'.encode() in json]
        payouts = conn.scalar(select(func.count()).select_from(JournalTx).where(JournalTx.kind == "payout"))
    assert any(entry.count(b'"tx":') == payouts for entry in entries)


def test_an_amount_moved_between_the_legs_of_a_base_pay_is_named(demo, engine, capsys):
    tx = a_transaction(engine, "base-pay")
    open_the_books(engine)
    with write_connection(engine) as conn, conn.begin():
        legs = conn.execute(select(Posting.id, Posting.amount).where(Posting.tx_id == tx).order_by(Posting.id)).all()
        debit = next(p for p in legs if p.amount > 0)
        credit = next(p for p in legs if p.amount < 0)
        # 1,000.00 EUR more to the author, still balanced: bean-check and the balance check pass.
        conn.execute(update(Posting).where(Posting.id == debit.id).values(amount=debit.amount + 100_000))
        conn.execute(update(Posting).where(Posting.id == credit.id).values(amount=credit.amount - 100_000))
    found = findings(engine)
    assert any(f.startswith(f"tx {tx}: base-pay: its postings") and "differ from what log entry" in f for f in found)
    assert any(f.startswith(f"tx {tx}: the acceptance of contribution") and "1010.00 EUR" in f for f in found), found
    assert all(f.startswith(f"tx {tx}:") for f in found)
    assert verify_books_of(engine) == 1
    assert f"BOOKS: tx {tx}:" in capsys.readouterr().err


def test_a_forged_balanced_base_pay_is_named(demo, engine):
    with engine.connect() as conn:
        contribution, author = conn.execute(
            select(Contribution.id, Contribution.author_id).join(Acceptance).limit(1)
        ).one()
        template = conn.execute(select(JournalTx).where(JournalTx.kind == "base-pay").limit(1)).one()
    open_the_books(engine)
    with write_connection(engine) as conn, conn.begin():
        forged = conn.execute(
            insert(JournalTx)
            .values(
                kind="base-pay",
                description="Base pay for accepted contribution (again)",
                occurred_at=template.occurred_at,
                idempotency_key=f"base-pay:{contribution}:again",
                request_digest="0" * 64,
                ref=f"contribution:{contribution}",
                log_index=template.log_index,
                details='{"amount":100000,"funded_by_buyer":0}',
            )
            .returning(JournalTx.id)
        ).scalar_one()
        conn.execute(
            insert(Posting),
            [
                {"tx_id": forged, "account_code": books.BASE_PAY, "amount": 100_000, "currency": "EUR"},
                {"tx_id": forged, "account_code": books.member_payable(author), "amount": -100_000, "currency": "EUR"},
            ],
        )
    found = findings(engine)
    assert (
        f"tx {forged}: base-pay: not in the log (no books.committed entry holds it): forged or never committed" in found
    )
    assert any(f.startswith(f"tx {forged}: key ") for f in found)
    assert all(f.startswith(f"tx {forged}:") for f in found)


def test_a_deleted_posting_is_named(demo, engine):
    tx = a_transaction(engine, "revenue-share")
    open_the_books(engine)
    with write_connection(engine) as conn, conn.begin():
        victim = conn.scalar(
            select(func.max(Posting.id)).where(Posting.tx_id == tx, Posting.account_code.like("Liabilities:Members:%"))
        )
        conn.execute(delete(Posting).where(Posting.id == victim))
    found = findings(engine)
    assert any(f.startswith(f"tx {tx}: revenue-share: its postings") for f in found)
    assert any(f.startswith(f"tx {tx}: not a valid transaction: postings do not balance") for f in found)
    assert any(f.startswith(f"tx {tx}: postings differ from revenue event") for f in found)
    assert all(f.startswith(f"tx {tx}:") for f in found)


def test_a_deleted_transaction_is_named_by_the_entry_that_committed_it(demo, engine):
    tx = a_transaction(engine, "base-pay")
    open_the_books(engine)
    with write_connection(engine) as conn, conn.begin():
        conn.execute(delete(Posting).where(Posting.tx_id == tx))
        conn.execute(delete(JournalTx).where(JournalTx.id == tx))
    found = findings(engine)
    assert len(found) == 1 and found[0].startswith(f"tx {tx}: deleted: log entry ")


def test_a_payout_inflated_on_both_legs_is_named_against_its_payout_row(demo, engine):
    tx = a_transaction(engine, "payout")
    open_the_books(engine)
    with write_connection(engine) as conn, conn.begin():
        conn.execute(
            update(Posting)
            .where(Posting.tx_id == tx)
            .values(amount=Posting.amount + 500_000 * func.sign(Posting.amount))
        )
    found = findings(engine)
    assert any(f.startswith(f"tx {tx}: payout: its postings") for f in found)
    assert any(f.startswith(f"tx {tx}: postings differ from payout ") for f in found)


@pytest.mark.parametrize(
    "key, ref, legs, log_index, reverses",
    [
        (
            "base-pay:abc",
            "contribution:abc",
            [("Expenses:BasePay", 900, "EUR"), ("Liabilities:Members:Mx", -900, "EUR")],
            4,
            None,
        ),
        ('k\n\t"\\\x01é€😀', None, [("Assets:A", 2**53 - 1, "JPY"), ("Assets:B", -(2**53 - 1), "JPY")], None, 7),
        ("big", "r", [("Assets:A", 2**60, "EUR"), ("Assets:B", -(2**60), "EUR")], 2**40, None),
    ],
)
def test_a_transactions_hash_is_the_sha256_of_its_rfc8785_json(key, ref, legs, log_index, reverses):
    """ledger.commitment's fast encoding gives the bytes canonical_json gives: anyone can recompute it."""
    import hashlib

    from ledger.commitment import tx_hash
    from provenance.core.canonical import canonical_json

    details = {"amount": 900, "note": "ü"}
    whole = {
        "details": details,
        "key": key,
        "kind": "base-pay",
        "legs": sorted([list(leg) for leg in legs]),
        "log_index": log_index,
        "ref": ref,
        "reverses": reverses,
    }
    try:
        expected = hashlib.sha256(canonical_json(whole)).hexdigest()
    except ValueError:  # rfc8785 refuses integers beyond 2**53; so does the fast path, through it
        with pytest.raises(ValueError):
            tx_hash("base-pay", key, ref, legs, canonical_json(details), reverses, log_index)
        return
    assert tx_hash("base-pay", key, ref, list(reversed(legs)), canonical_json(details), reverses, log_index) == expected


# -- books older than the commitments: the upgrade's backlog ------------------------------------------


@pytest.fixture
def old_books(runtime):
    """The demo co-op's books as an older version posted them: no transaction committed to the log."""
    runtime.policies.seed_defaults()
    runtime.ledger.log = None
    seed_demo(runtime)
    runtime.ledger.log = runtime.log
    return runtime


def last_transaction(engine):
    with engine.connect() as conn:
        return conn.scalar(select(func.max(JournalTx.id)))


def test_books_from_before_the_commitments_are_named_until_their_backlog_is_committed(old_books, engine):
    from coop.operations.books_backlog import commit_backlog

    through = last_transaction(engine)
    before = findings(engine)
    assert len(before) == through and all("not in the log" in f for f in before)
    done = commit_backlog(engine, old_books.log, through)
    assert (done.committed, done.already) == (through, 0)
    assert findings(engine) == []
    again = commit_backlog(engine, old_books.log, through)
    assert (again.committed, again.already, again.entries) == (0, through, [])


def test_the_backlog_is_bounded_by_the_transaction_the_operator_names(old_books, engine):
    from coop.operations.books_backlog import commit_backlog

    through = last_transaction(engine)
    done = commit_backlog(engine, old_books.log, through - 1)
    assert done.committed == through - 1
    (left,) = findings(engine)
    assert left.startswith(f"tx {through}: ") and "not in the log" in left


def test_a_backlog_holding_a_forged_transaction_is_refused_whole_and_commits_nothing(old_books, engine):
    from coop.operations.books_backlog import BacklogRefused, commit_backlog

    size = old_books.log.size()
    base_pay = a_transaction(engine, "base-pay")
    open_the_books(engine)
    with write_connection(engine) as conn, conn.begin():
        legs = conn.execute(select(Posting.id, Posting.amount).where(Posting.tx_id == base_pay)).all()
        for posting_id, amount in legs:  # still balanced: both legs ×10
            conn.execute(update(Posting).where(Posting.id == posting_id).values(amount=amount * 10))
    with pytest.raises(BacklogRefused, match=f"tx {base_pay}: the acceptance of contribution .* pays 10.00 EUR"):
        commit_backlog(engine, old_books.log, last_transaction(engine))
    assert old_books.log.size() == size
