"""Tables whose rows are history refuse UPDATE and DELETE in the database itself, on SQLite and
PostgreSQL; where a row carries state that moves forward, only that state moves, only forward
(migration 0029, docs/append-only.md). The services' own changes still go through."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from migrations.guards import GUARDS, INSERT_ONLY, INSERT_ONLY_AFTER_0029, INSERT_ONLY_BEFORE_0029
from migrations.models import metadata
from tests.conftest import TERMS

DOC = Path(__file__).resolve().parent.parent / "docs" / "append-only.md"


def refused(engine, sql, **params):
    with pytest.raises(DBAPIError, match="refused"), engine.begin() as conn:
        conn.execute(text(sql), params)


def allowed(engine, sql, **params):
    with engine.begin() as conn:
        return conn.execute(text(sql), params).rowcount


@pytest.fixture
def submitted(runtime, work):
    draft = runtime.contributions.draft(work.author, work.task.id, b"Metformin first.", "text/plain", 18, TERMS)
    return runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")


def test_a_role_change_adds_history_and_the_latest_set_is_the_members_roles(runtime, steward, admit, engine):
    bo = admit("bo")
    runtime.members.set_roles(steward, bo.account_id, ["steward"])
    runtime.members.set_roles(steward, bo.account_id, ["reviewer"])
    assert runtime.members.principal(bo.account_id).roles == {"member", "reviewer"}
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT change_no, role FROM member_role WHERE account_id = :a ORDER BY change_no, role"),
            {"a": bo.account_id},
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, "member"),
        (2, "member"),
        (2, "steward"),
        (3, "member"),
        (3, "reviewer"),
    ]
    refused(engine, "UPDATE member_role SET role = 'steward' WHERE account_id = :a", a=bo.account_id)
    refused(engine, "DELETE FROM member_role WHERE account_id = :a AND change_no = 3", a=bo.account_id)


def test_a_member_key_is_never_changed_or_deleted_only_its_custodial_seed_resealed(work, engine):
    key_id = f"SELECT key_id FROM member_key WHERE account_id = '{work.author.account_id}'"
    refused(engine, f"UPDATE member_key SET public_key = :k WHERE key_id = ({key_id})", k=b"\x01" * 32)
    refused(engine, f"UPDATE member_key SET account_id = :a WHERE key_id = ({key_id})", a=work.steward.account_id)
    refused(engine, f"UPDATE member_key SET sealed_box = NULL WHERE key_id = ({key_id})")
    refused(engine, f"DELETE FROM member_key WHERE key_id = ({key_id})")
    assert allowed(engine, f"UPDATE member_key SET sealed_box = sealed_box WHERE key_id = ({key_id})") == 1


def test_a_task_only_raises_its_rate_and_never_reopens_without_a_raise(runtime, work, engine):
    task = {"t": work.task.id}
    refused(engine, "UPDATE task SET title = 'Other' WHERE id = :t", **task)
    refused(engine, "UPDATE task SET pay_per_unit = pay_per_unit - 1 WHERE id = :t", **task)
    refused(engine, "UPDATE task SET created_by = :s WHERE id = :t", s=work.author.account_id, **task)
    refused(engine, "DELETE FROM task WHERE id = :t", **task)
    allowed(engine, "UPDATE task SET status = 'flagged', flag_reason = 'slow' WHERE id = :t", **task)
    refused(engine, "UPDATE task SET status = 'open', flag_reason = NULL WHERE id = :t", **task)
    refused(engine, "UPDATE task SET flag_reason = 'quietly edited' WHERE id = :t", **task)
    view = runtime.tasks.raise_rate(work.steward, work.task.id, work.task.pay_per_unit + 100)
    assert view.status == "open"
    allowed(engine, "UPDATE task SET status = 'closed' WHERE id = :t", **task)
    refused(engine, "UPDATE task SET status = 'open' WHERE id = :t", **task)


def test_submitted_work_is_never_edited_deleted_or_moved_back(runtime, work, submitted, engine):
    row = {"c": submitted.id}
    refused(engine, "UPDATE contribution SET status = 'draft' WHERE id = :c", **row)
    refused(engine, "UPDATE contribution SET minutes = minutes + 1 WHERE id = :c", **row)
    refused(engine, "UPDATE contribution SET signature = :s WHERE id = :c", s=b"\x00" * 64, **row)
    refused(engine, "UPDATE contribution SET author_id = :a WHERE id = :c", a=work.steward.account_id, **row)
    refused(engine, "DELETE FROM contribution WHERE id = :c", **row)
    allowed(engine, "UPDATE contribution SET status = 'rejected' WHERE id = :c", **row)
    refused(engine, "UPDATE contribution SET status = 'submitted' WHERE id = :c", **row)


def test_a_draft_is_still_edited_and_deleted_by_its_author(runtime, work, engine):
    draft = runtime.contributions.draft(work.author, work.task.id, b"first", "text/plain", 18, TERMS)
    refused(engine, "UPDATE contribution SET author_id = :a WHERE id = :c", a=work.steward.account_id, c=draft.id)
    runtime.contributions.edit_draft(work.author, draft.id, b"second", "text/plain", 12, TERMS)
    runtime.contributions.delete_draft(work.author, draft.id)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contribution WHERE id = :c"), {"c": draft.id}).scalar() == 0


def test_a_members_standing_moves_only_along_its_allowed_steps(runtime, steward, admit, engine):
    bo = admit("bo")
    row = {"a": bo.account_id}
    refused(engine, "UPDATE member SET status = 'applicant' WHERE account_id = :a", **row)
    refused(engine, "UPDATE member SET skills = 'forged' WHERE account_id = :a", **row)
    refused(engine, "UPDATE member SET admitted_at = '2020-01-02 03:04:05+00:00' WHERE account_id = :a", **row)
    refused(engine, "DELETE FROM member WHERE account_id = :a", **row)
    runtime.members.leave(bo)
    refused(engine, "UPDATE member SET status = 'member' WHERE account_id = :a", **row)


def test_tokens_accounts_and_sessions_keep_their_identity_and_are_never_deleted(runtime, admit, engine):
    bo = admit("bo")
    runtime.auth.create_token(bo, "script", ["read"])
    row = {"a": bo.account_id}
    refused(engine, "UPDATE api_token SET scopes = 'write' WHERE account_id = :a", **row)
    refused(engine, "DELETE FROM api_token WHERE account_id = :a", **row)
    allowed(engine, "UPDATE api_token SET revoked_at = created_at WHERE account_id = :a", **row)
    refused(engine, "UPDATE api_token SET revoked_at = NULL WHERE account_id = :a", **row)
    refused(engine, "UPDATE account SET kind = 'buyer' WHERE id = :a", **row)
    refused(engine, "DELETE FROM account WHERE id = :a", **row)
    allowed(engine, "UPDATE account SET display_name = 'Bo B.' WHERE id = :a", **row)


def test_an_organisation_row_is_insert_only(runtime, engine):
    runtime.members.register_buyer("Acme AI", "Dana", "dana@acme.test", "dana-password")
    refused(engine, "UPDATE buyer_org SET name = 'Other'")
    refused(engine, "DELETE FROM buyer_org")


GUARDED = {
    **{table: "append_only" for table in INSERT_ONLY_BEFORE_0029 + INSERT_ONLY + INSERT_ONLY_AFTER_0029},
    **{guard.table: "guard" for guard in GUARDS},
}


@pytest.mark.parametrize("table", sorted(GUARDED))
def test_the_database_holds_the_guard_of_every_history_table(engine, table):
    """Row triggers fire only on rows, so an empty table cannot show a refusal: the guard's triggers
    themselves are looked up, on both databases (the behaviour is shown row by row above)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            names = set(
                conn.execute(
                    text("SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) AND NOT tgisinternal"),
                    {"t": table},
                ).scalars()
            )
            expected = {f"{table}_{GUARDED[table]}", f"{table}_no_truncate"}
        else:
            names = set(
                conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"), {"t": table}
                ).scalars()
            )
            kind = "no" if GUARDED[table] == "append_only" else "guard"
            expected = {f"{table}_{kind}_update", f"{table}_{kind}_delete"}
    assert expected <= names


def test_every_table_is_listed_in_the_guards_document():
    """docs/append-only.md says for every table how the database guards it (or why it does not)."""
    documented = DOC.read_text(encoding="utf-8")
    missing = [t.name for t in metadata.sorted_tables if f"`{t.name}`" not in documented]
    assert missing == []
