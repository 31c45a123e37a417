"""A witness's key file and list of logs: kept private, never replaced, refused when malformed."""

import json
import os

import nacl.signing
import pytest

from provenance.core.note import NoteSigner
from provenance.witness.config import (
    WitnessConfigError,
    create_witness_key,
    load_witness_key,
    read_log_list,
    trusted_logs,
)

LOG = NoteSigner("test.coop/log", nacl.signing.SigningKey(b"\x01" * 32))
ROTATED = NoteSigner("test.coop/log", nacl.signing.SigningKey(b"\x03" * 32))


def test_a_key_file_is_private_keeps_its_name_and_loads_as_the_same_witness(tmp_path):
    path = tmp_path / "witness.key"
    created = create_witness_key(path, "witness.example/w1")
    assert os.stat(path).st_mode & 0o777 == 0o600
    loaded = load_witness_key(path)
    assert loaded.verifier == created.verifier and loaded.name == "witness.example/w1"
    with pytest.raises(WitnessConfigError, match="refusing to replace"):
        create_witness_key(path, "witness.example/w1")
    os.chmod(path, 0o644)
    with pytest.raises(WitnessConfigError, match="accessible to other users"):
        load_witness_key(path)


def test_a_file_that_is_not_a_witness_key_is_refused(tmp_path):
    path = tmp_path / "other.key"
    path.write_text("coop-ledger ed25519 seed v1\nAAAA\n")
    os.chmod(path, 0o600)
    with pytest.raises(WitnessConfigError, match="not a coop-ledger witness key"):
        load_witness_key(path)


def test_logs_are_grouped_by_origin_with_every_key_and_an_explicit_origin_wins(tmp_path):
    listed = tmp_path / "logs.json"
    listed.write_text(
        json.dumps(
            {
                "logs": [
                    {"vkey": ROTATED.verifier.encode()},
                    {"vkey": LOG.verifier.encode(), "origin": "mirror.example/log"},
                ]
            }
        )
    )
    logs = trusted_logs([(None, LOG.verifier.encode()), *read_log_list(listed)])
    assert set(logs) == {"test.coop/log", "mirror.example/log"}
    assert logs["test.coop/log"].keys == (LOG.verifier, ROTATED.verifier)


@pytest.mark.parametrize("content", ["not json", "{}", '{"logs": [{"origin": "x"}]}', '{"logs": 3}'])
def test_a_malformed_log_list_is_refused(tmp_path, content):
    listed = tmp_path / "logs.json"
    listed.write_text(content)
    with pytest.raises(WitnessConfigError):
        trusted_logs(read_log_list(listed))


def test_a_bad_log_vkey_or_no_log_at_all_is_refused():
    with pytest.raises(WitnessConfigError, match="log key"):
        trusted_logs([(None, "test.coop/log+00000000+AAAA")])
    with pytest.raises(WitnessConfigError, match="at least one log"):
        trusted_logs([])
