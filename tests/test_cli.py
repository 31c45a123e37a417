"""The `coop` command line, run as a real process the way an operator does."""

import os
import stat
import subprocess
import sys


def coop(tmp_path, *args, env_extra=None):
    env = {**os.environ, "COOP_DATA_DIR": str(tmp_path / "var"), **(env_extra or {})}
    env.pop("COOP_DATABASE_URL", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "coop.cli", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_init_creates_the_database_and_a_private_key_once(tmp_path):
    first = coop(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "log-signing.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key_before = key_file.read_text()
    second = coop(tmp_path, "init")
    assert second.returncode == 0 and "using co-op log key" in second.stdout
    assert key_file.read_text() == key_before


def test_demo_then_verify_reports_the_audited_log(tmp_path):
    assert coop(tmp_path, "init").returncode == 0
    assert coop(tmp_path, "demo").returncode == 0
    result = coop(tmp_path, "log", "verify")
    assert result.returncode == 0, result.stderr
    size = coop(tmp_path, "log", "checkpoint").stdout.splitlines()[1]
    assert f"log verified: {int(size):,} entries" in result.stdout


def test_verify_fails_loudly_when_the_key_is_not_the_one_that_signed(tmp_path):
    assert coop(tmp_path, "init").returncode == 0
    assert coop(tmp_path, "demo").returncode == 0
    other = tmp_path / "other.key"
    from coop.keys import create_signing_key

    create_signing_key(other)
    result = coop(tmp_path, "log", "verify", env_extra={"COOP_KEY_FILE": str(other)})
    assert result.returncode == 1
    assert "LOG VERIFICATION FAILED: checkpoint of size 1" in result.stderr


def test_a_key_file_readable_by_others_is_refused(tmp_path):
    assert coop(tmp_path, "init").returncode == 0
    (tmp_path / "var" / "log-signing.key").chmod(0o644)
    result = coop(tmp_path, "log", "checkpoint")
    assert result.returncode == 2 and "chmod 600" in result.stderr


def test_commands_before_init_say_what_to_do(tmp_path):
    result = coop(tmp_path, "log", "verify")
    assert result.returncode == 2 and "coop init" in result.stderr
