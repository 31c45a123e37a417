"""The `coop` command line, run as a real process the way an operator does."""

import os
import stat
import subprocess
import sys
from datetime import UTC


def coop(tmp_path, *args, env_extra=None):
    """Run the CLI as a user would. The timeout only catches a hang: `coop demo` alone takes minutes
    on a loaded 2-core machine."""
    env = {**os.environ, "COOP_DATA_DIR": str(tmp_path / "var"), **(env_extra or {})}
    env.pop("COOP_DATABASE_URL", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )


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


def test_log_verify_with_books_also_reconciles_the_books_and_books_verify_alone_does_too(tmp_path):
    assert coop(tmp_path, "init").returncode == 0
    assert coop(tmp_path, "demo").returncode == 0
    both = coop(tmp_path, "log", "verify", "--books")
    assert both.returncode == 0, both.stderr
    assert "log verified:" in both.stdout and "books verified:" in both.stdout
    books = coop(tmp_path, "books", "verify")
    assert books.returncode == 0 and "books verified:" in books.stdout and "0 commitments" not in books.stdout
    backlog = coop(tmp_path, "books", "commit-backlog", "--through", "1000000")
    assert backlog.returncode == 0, backlog.stderr
    assert "committed 0 transaction(s) up to 1000000;" in backlog.stdout  # the demo's books are all in the log
    nothing = coop(tmp_path, "books", "commit-backlog", "--through", "0")
    assert nothing.returncode == 2 and "--through is the id of the last transaction" in nothing.stderr


def test_verify_fails_loudly_when_the_key_is_not_the_one_that_signed(tmp_path):
    assert coop(tmp_path, "init").returncode == 0
    assert coop(tmp_path, "demo").returncode == 0
    other = tmp_path / "other.key"
    from coop.kernel.keys import create_signing_key

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


def test_governance_recount_matches_and_names_a_forged_ballot_it_left_out(tmp_path):
    """The command trusts only the co-op's key (from its key file): a ballot by a key that registered
    itself for a member is listed as left out, and the count still matches the logged result."""
    from datetime import datetime

    import nacl.signing

    from coop.kernel.settings import Settings
    from provenance.core.signing import sign_statement
    from tests.conftest import FakeClock
    from web.runtime import Runtime, build_runtime

    assert coop(tmp_path, "init").returncode == 0
    built, clock = build_runtime(Settings.from_env({"COOP_DATA_DIR": str(tmp_path / "var")})), FakeClock()
    clock.now = datetime.now(UTC)  # after `coop init` seeded the policies
    runtime = Runtime(built.settings, built.engine, built.log, clock)
    steward = runtime.members.principal(
        runtime.members.create_steward("Sam Steward", "steward@coop.test", "steward-password")
    )
    runtime.keys.create_custodial_key(steward, "steward-password")
    proposal = runtime.governance.propose(steward, "resolution", "Thanks", "", {"text": "Thank you."}, voting_minutes=1)
    runtime.governance.vote_with_password(steward, proposal.id, "yes", "steward-password")
    attacker = nacl.signing.SigningKey.generate()
    forged = runtime.log.append_many(
        [
            sign_statement(attacker, "member.key-registration", runtime.keys.registration_body(steward)),
            sign_statement(attacker, "ballot", runtime.governance.ballot_body(steward, proposal.id, "no")),
        ]
    )
    clock.advance(minutes=2)
    runtime.governance.close_due()
    runtime.close()
    result = coop(tmp_path, "governance", "recount", proposal.id)
    assert result.returncode == 0, result.stderr
    assert "recount matches the logged result: adopted" in result.stderr
    assert f"left out of the count: entry {forged[1]}:" in result.stderr


def test_governance_recount_checks_a_given_eligible_list_against_the_logged_root(tmp_path):
    """`--eligible FILE` (saved from GET /api/proposals/{id}/eligible): the served list recounts; a
    list with one member added is refused loudly, exit 2, and nothing is counted."""
    import json

    from coop.kernel.settings import Settings
    from web.runtime import build_runtime

    assert coop(tmp_path, "init").returncode == 0
    runtime = build_runtime(Settings.from_env({"COOP_DATA_DIR": str(tmp_path / "var")}))
    steward = runtime.members.principal(
        runtime.members.create_steward("Sam Steward", "steward@coop.test", "steward-password")
    )
    proposal = runtime.governance.propose(steward, "resolution", "Thanks", "", {"text": "Thank you."}, voting_minutes=1)
    served = {"eligible": runtime.governance.eligible(proposal.id)}
    runtime.close()
    good, bad = tmp_path / "eligible.json", tmp_path / "tampered.json"
    good.write_text(json.dumps(served))
    bad.write_text(json.dumps([*served["eligible"], "f" * 32]))
    assert coop(tmp_path, "governance", "recount", proposal.id, "--eligible", str(good)).returncode == 0
    refused = coop(tmp_path, "governance", "recount", proposal.id, "--eligible", str(bad))
    assert (
        refused.returncode == 2
        and "refused: the eligible list of proposal" in refused.stderr
        and "log commits to 1" in refused.stderr
    )
