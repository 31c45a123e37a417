"""`coop backup` and `coop restore`: an online snapshot that restores to the same log, never a rolled-back one."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections import defaultdict
from pathlib import Path

import nacl.signing
import pytest

from coop.kernel.keys import create_signing_key, load_or_create_app_secret
from coop.kernel.settings import Settings
from coop.operations.backup import BackupError, take_backup
from coop.operations.restore import restore
from ledger.books import COOP_CASH, SALES, Leg
from provenance.core import merkle
from provenance.core.note import Checkpoint
from provenance.core.signing import sign_statement
from tests.conftest import ORIGIN, new_database_url
from web.cli import main
from web.runtime import build_runtime

AUTHOR = nacl.signing.SigningKey(b"\x07" * 32)


def statement(n: int, who: str = "main"):
    return sign_statement(AUTHOR, "test.entry", {"who": who, "n": n})


@pytest.fixture
def live(settings):
    """The running co-op: a key file, a secret file, a runtime built from them as `coop serve` does."""
    create_signing_key(settings.key_file)
    load_or_create_app_secret(settings.secret_file)
    runtime = build_runtime(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def target(db_kind, tmp_path):
    """Settings of a fresh, empty place to restore into (a new SQLite file or PostgreSQL schema)."""
    url, drop = new_database_url(db_kind, tmp_path / "restored")
    yield Settings.from_env(
        {"COOP_DATA_DIR": str(tmp_path / "restored"), "COOP_DATABASE_URL": url, "COOP_LOG_ORIGIN": ORIGIN}
    )
    drop()


def use(monkeypatch, settings: Settings) -> None:
    """Point the `coop` command at `settings`, as an operator's environment would."""
    monkeypatch.setenv("COOP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("COOP_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("COOP_LOG_ORIGIN", settings.log_origin)


def post_sale(runtime, n: int) -> None:
    runtime.ledger.post(
        "sale", f"sale {n}", [Leg(COOP_CASH, 100 + n, "EUR"), Leg(SALES, -(100 + n), "EUR")], f"sale-{n}"
    )


def books_balance(runtime) -> bool:
    totals: dict[str, int] = defaultdict(int)
    for (_account, currency), amount in runtime.ledger.trial_balance().items():
        totals[currency] += amount
    return not runtime.ledger.unbalanced_transactions() and all(total == 0 for total in totals.values())


def backup_while_appending(live, dest: Path) -> dict:
    """Threads append to the log and post to the books for the whole time the backup runs."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def appender(who: str) -> None:
        n = 0
        try:
            while not stop.is_set():
                live.log.append_many([statement(n, who), statement(n + 1, who)])
                n += 2
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    def poster() -> None:
        n = 1000
        try:
            while not stop.is_set():
                post_sale(live, n)
                n += 1
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=appender, args=(f"t{i}",)) for i in range(3)] + [threading.Thread(target=poster)]
    for thread in threads:
        thread.start()
    try:
        live.log.wait_for_checkpoint(live.log.size() + 20)  # the appenders are well under way
        manifest = take_backup(live.settings, dest)
        live.log.wait_for_checkpoint(manifest["log"]["size"] + 10)  # and they went on after the snapshot
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    return manifest


def test_a_backup_under_concurrent_appends_restores_a_log_that_verifies_and_continues(
    live, target, tmp_path, monkeypatch, capsys
):
    for n in range(3):
        post_sale(live, n)
    manifest = backup_while_appending(live, tmp_path / "backup")
    snapshot = Checkpoint.parse(manifest["log"]["checkpoint"].split("\n\n")[0] + "\n")
    assert live.log.size() > snapshot.size > 0

    restore(target, tmp_path / "backup")
    use(monkeypatch, target)
    assert main(["log", "verify"]) == 0
    assert f"log verified: {snapshot.size:,} entries" in capsys.readouterr().out

    restored = build_runtime(target)
    try:
        assert restored.log.size() == snapshot.size
        index = restored.log.append(statement(0, "after restore"))
        assert index == snapshot.size
        latest = restored.log.latest_checkpoint()
        proof = restored.log.consistency_proof(snapshot.size, latest.size)
        merkle.verify_consistency(snapshot.size, latest.size, snapshot.root_hash, latest.root_hash, proof)
        post_sale(restored, 99_999)  # new rows get ids past the restored ones
        assert books_balance(restored)
        assert len(restored.ledger.transactions(account=SALES)) >= 4
    finally:
        restored.close()


def test_restore_refuses_a_snapshot_older_than_a_kept_checkpoint_naming_the_gap(live, target, tmp_path):
    live.log.append_many([statement(n) for n in range(5)])
    take_backup(live.settings, tmp_path / "backup")
    live.log.append_many([statement(n) for n in range(5, 12)])
    kept = tmp_path / "witness-checkpoint"
    kept.write_text(live.log.latest_checkpoint().note)

    with pytest.raises(BackupError, match="snapshot has 5 entries, the newest published checkpoint has 12"):
        restore(target, tmp_path / "backup", checkpoint_files=[str(kept)])
    assert not target.key_file.exists() and not target.data_dir.exists()


def test_restore_refuses_a_snapshot_older_than_the_checkpoint_served_at_a_url(live, target, tmp_path):
    live.log.append_many([statement(n) for n in range(4)])
    take_backup(live.settings, tmp_path / "backup")
    live.log.append_many([statement(n) for n in range(4, 6)])
    note = live.log.latest_checkpoint().note.encode()

    class Mirror(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(note)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Mirror)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/log/checkpoint"
        with pytest.raises(BackupError, match="snapshot has 4 entries, the newest published checkpoint has 6"):
            restore(target, tmp_path / "backup", checkpoint_urls=[url])
    finally:
        server.shutdown()
        server.server_close()


def test_allow_rollback_restores_the_older_snapshot_and_says_so_loudly(live, target, tmp_path):
    live.log.append_many([statement(n) for n in range(3)])
    take_backup(live.settings, tmp_path / "backup")
    live.log.append_many([statement(n) for n in range(3, 5)])
    kept = tmp_path / "kept"
    kept.write_text(live.log.latest_checkpoint().note)
    warnings: list[str] = []

    report = restore(
        target, tmp_path / "backup", checkpoint_files=[str(kept)], allow_rollback=True, warn=warnings.append
    )
    assert report.size == 3 and report.rolled_back_by == 2
    assert "WILL FORK" in warnings[0]


def test_a_checkpoint_not_signed_by_the_backups_key_is_refused(live, target, tmp_path):
    live.log.append_many([statement(n) for n in range(3)])
    take_backup(live.settings, tmp_path / "backup")
    forged = tmp_path / "forged"
    from provenance.core.note import NoteSigner, sign_checkpoint

    other = NoteSigner(ORIGIN, nacl.signing.SigningKey(b"\x09" * 32))
    forged.write_text(sign_checkpoint(other, Checkpoint(ORIGIN, 99, b"\x00" * 32)))
    with pytest.raises(BackupError, match="not a checkpoint of this log signed by the backup's co-op key"):
        restore(target, tmp_path / "backup", checkpoint_files=[str(forged)])


def test_restore_refuses_a_target_that_is_not_empty(live, target, tmp_path):
    take_backup(live.settings, tmp_path / "backup")
    target.data_dir.mkdir(parents=True)
    (target.data_dir / "something").write_text("left over")
    with pytest.raises(BackupError, match="is not empty; restore only into an empty one"):
        restore(target, tmp_path / "backup")


def test_restore_refuses_a_database_that_already_holds_a_co_op(live, tmp_path):
    take_backup(live.settings, tmp_path / "backup")
    elsewhere = Settings.from_env(
        {
            "COOP_DATA_DIR": str(tmp_path / "fresh"),
            "COOP_DATABASE_URL": live.settings.database_url,
            "COOP_LOG_ORIGIN": ORIGIN,
        }
    )
    with pytest.raises(BackupError, match="already"):
        restore(elsewhere, tmp_path / "backup")


def test_a_damaged_backup_file_is_refused_before_anything_is_written(live, target, tmp_path):
    live.log.append_many([statement(n) for n in range(3)])
    manifest = take_backup(live.settings, tmp_path / "backup")
    damaged = sorted(name for name in manifest["files"] if name not in ("app-secret", "log-signing.key"))[-1]
    path = tmp_path / "backup" / damaged
    path.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(BackupError, match=f"backup file {damaged} does not match its SHA-256"):
        restore(target, tmp_path / "backup")
    assert not target.data_dir.exists()


def test_the_manifest_records_the_snapshots_signed_checkpoint_and_every_files_hash(live, tmp_path):
    live.log.append_many([statement(n) for n in range(7)])
    take_backup(live.settings, tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["log"]["size"] == 7
    assert manifest["log"]["checkpoint"] == live.log.latest_checkpoint().note
    assert base64.b64decode(manifest["log"]["root_hash"]) == live.log.latest_checkpoint().root_hash
    assert {"log-signing.key", "app-secret"} <= set(manifest["files"])
    assert all(len(digest) == 64 for digest in manifest["files"].values())


def test_backup_refuses_to_write_over_an_existing_backup(live, tmp_path):
    take_backup(live.settings, tmp_path / "backup")
    with pytest.raises(BackupError, match="refusing to overwrite"):
        take_backup(live.settings, tmp_path / "backup")


def test_the_restore_command_refuses_a_rollback_with_exit_1_and_the_gap(live, target, tmp_path, monkeypatch, capsys):
    live.log.append_many([statement(n) for n in range(2)])
    use(monkeypatch, live.settings)
    assert main(["backup", str(tmp_path / "backup")]) == 0
    live.log.append_many([statement(n) for n in range(2, 3)])
    kept = tmp_path / "kept"
    kept.write_text(live.log.latest_checkpoint().note)
    use(monkeypatch, target)
    assert main(["restore", str(tmp_path / "backup"), "--checkpoint", str(kept)]) == 1
    assert "restore refused: snapshot has 2 entries, the newest published checkpoint has 3" in capsys.readouterr().err
