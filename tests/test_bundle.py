"""Verification bundles: built from the database, verified with nothing but the bundle."""

import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop.lineage.bundle import build_bundle
from coop.lineage.verify import BundleInvalid, verify_bundle
from tests.test_money import market  # noqa: F401  (fixture)


@pytest.fixture
def release_bundle(runtime, market):
    return build_bundle(runtime, market.release.id).encode()


def test_a_release_bundle_verifies_with_a_fair_work_attestation(release_bundle, market):
    report = verify_bundle(release_bundle)
    assert report.items == 3 and report.declared_uses == ["model-training"]
    assert all(
        "≥ floor 1800 (pay-floor v1)" in line and "rubric.expert-answer v1" in line for line in report.attestation
    )


def test_a_license_bundle_verifies_for_the_licensed_subset(runtime, market):
    license = runtime.datasets.license(
        market.buyer, market.release.id, ["model-training", "commercial"], "other", True, "lic"
    )
    report = verify_bundle(build_bundle(runtime, market.release.id, license.id).encode())
    assert report.items == 2 and report.sector == "other" and report.license_entry == license.log_index


def test_coop_verify_needs_no_database(tmp_path, release_bundle):
    path = tmp_path / "bundle.note"
    path.write_bytes(release_bundle)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOP_")}
    env["COOP_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # unreachable: must not be used
    result = subprocess.run(
        [sys.executable, "-m", "web.cli", "verify", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "bundle verified" in result.stdout and "fair-work attestation" in result.stdout


def test_a_bundle_against_a_different_trusted_key_fails(release_bundle):
    import nacl.signing

    from provenance.core.note import NoteSigner

    other = NoteSigner("test.coop/log", nacl.signing.SigningKey(b"\x09" * 32)).verifier.encode()
    with pytest.raises(BundleInvalid, match="not exactly what the co-op signed"):
        verify_bundle(release_bundle, trusted_key=other)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_flipping_any_byte_makes_verification_fail(release_bundle, data):
    position = data.draw(st.integers(0, len(release_bundle) - 1))
    bit = data.draw(st.integers(0, 7))
    tampered = bytearray(release_bundle)
    tampered[position] ^= 1 << bit
    with pytest.raises(BundleInvalid):
        verify_bundle(bytes(tampered))
