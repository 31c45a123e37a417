"""A license bundle proves the license's files manifest, and `coop verify --files DIR` checks the
downloaded files against it (issue 15): a tampered manifest, a file changed by one byte and a
missing file each fail, naming what is wrong; older bundles still verify."""

import base64
import json
import os
import subprocess
import sys

import pytest

from coop.lineage.bundle import build_bundle
from coop.lineage.verify import BundleInvalid, verify_bundle
from coop.lineage.verify_files import FilesInvalid, check_files
from provenance.core.canonical import canonical_json
from tests.test_delivery import (
    get,
    licensed,  # noqa: F401  (fixture)
)

NAMES = ("judgments.jsonl", "judgments.parquet")


@pytest.fixture
def bundle(runtime, licensed):  # noqa: F811
    return build_bundle(runtime, licensed.release.id, licensed.license.id)


@pytest.fixture
def downloaded(tmp_path, licensed, client):  # noqa: F811
    """The licensee's two files, downloaded through the API into a directory of their own."""
    folder = tmp_path / "download"
    folder.mkdir()
    for name in NAMES:
        response = get(client, licensed, f"/files/{name}")
        assert response.status_code == 200
        (folder / name).write_bytes(response.content)
    return folder


def body_of(bundle):
    return json.loads(bundle.split("\n", 1)[0])


def resigned(runtime, body):
    return runtime.log.signer.sign(canonical_json(body).decode() + "\n").encode()


def run_verify(tmp_path, bundle, *extra):
    (tmp_path / "license.bundle").write_bytes(bundle if isinstance(bundle, bytes) else bundle.encode())
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOP_")}
    env["COOP_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # unreachable: must not be used
    return subprocess.run(
        [sys.executable, "-m", "web.cli", "verify", "license.bundle", *extra],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": os.getcwd()},
        cwd=tmp_path,
        timeout=60,
    )


def test_a_license_bundle_proves_the_logged_manifest_the_files_api_lists(runtime, licensed, client, bundle):  # noqa: F811
    listing = get(client, licensed, "/files").json()
    checked = verify_bundle(bundle.encode(), trusted_key=runtime.log.verifier_key)
    assert body_of(bundle)["format"] == "coop-ledger-bundle/v4"
    assert checked.files is not None and checked.files.entry == listing["manifest_entry"]
    assert checked.files.records == 4
    assert [(f.name, f.sha256, f.size) for f in checked.files.files] == [
        (f["name"], f["sha256"], f["size"]) for f in listing["files"]
    ]


def test_the_downloaded_files_match_the_signed_manifest(bundle, downloaded):
    checked = verify_bundle(bundle.encode()).files
    assert [f.name for f in check_files(checked, downloaded)] == list(NAMES)


def test_coop_verify_checks_the_downloaded_files_without_a_database(tmp_path, bundle, downloaded):
    result = run_verify(tmp_path, bundle, "--files", str(downloaded))
    assert result.returncode == 0, result.stderr
    assert "files manifest verified" in result.stdout
    assert "judgments.jsonl: matches SHA-256" in result.stdout and "judgments.parquet: matches SHA-256" in result.stdout


@pytest.mark.parametrize("name", NAMES)
def test_a_file_changed_by_one_byte_fails_naming_the_file(tmp_path, bundle, downloaded, name):
    data = bytearray((downloaded / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (downloaded / name).write_bytes(bytes(data))
    with pytest.raises(FilesInvalid, match=f"^{name}: SHA-256 [0-9a-f]{{64}} .* the signed manifest"):
        check_files(verify_bundle(bundle.encode()).files, downloaded)
    result = run_verify(tmp_path, bundle, "--files", str(downloaded))
    assert result.returncode == 1 and "FILES DO NOT VERIFY" in result.stderr and name in result.stderr
    other = next(n for n in NAMES if n != name)
    assert other not in result.stderr  # the intact file is not accused


def test_a_missing_file_fails_naming_it(tmp_path, bundle, downloaded):
    (downloaded / "judgments.parquet").unlink()
    with pytest.raises(FilesInvalid, match="^judgments.parquet: missing from"):
        check_files(verify_bundle(bundle.encode()).files, downloaded)
    result = run_verify(tmp_path, bundle, "--files", str(downloaded))
    assert result.returncode == 1 and "judgments.parquet: missing" in result.stderr


def test_every_missing_or_changed_file_is_named_at_once(bundle, downloaded):
    (downloaded / "judgments.jsonl").write_bytes(b"{}\n")
    (downloaded / "judgments.parquet").unlink()
    with pytest.raises(FilesInvalid, match="judgments.jsonl: SHA-256 .*; judgments.parquet: missing"):
        check_files(verify_bundle(bundle.encode()).files, downloaded)


def test_a_tampered_manifest_entry_is_not_in_the_logged_tree_even_when_the_bundle_is_resigned(runtime, bundle):
    """A manifest rewritten to match altered files: the co-op's bundle signature cannot hide it,
    because the entry's inclusion proof against the signed checkpoint fails."""
    body = body_of(bundle)
    files_entry = body["subject"]["files_entry"]
    entry = next(e for e in body["entries"] if e["index"] == files_entry)
    leaf = base64.b64decode(entry["leaf"])
    signed = json.loads(leaf)["body"]["files"][0]["sha256"]
    entry["leaf"] = base64.b64encode(leaf.replace(signed.encode(), b"0" * 64)).decode()
    with pytest.raises(BundleInvalid, match=f"entry {files_entry} is not in the checkpointed log"):
        verify_bundle(resigned(runtime, body))


def test_a_tampered_manifest_fails_the_bundles_own_signature(bundle):
    body = body_of(bundle)
    entry = next(e for e in body["entries"] if e["index"] == body["subject"]["files_entry"])
    leaf = base64.b64decode(entry["leaf"])
    signed = json.loads(leaf)["body"]["files"][0]["sha256"]
    tampered = bundle.replace(entry["leaf"], base64.b64encode(leaf.replace(signed.encode(), b"0" * 64)).decode())
    with pytest.raises(BundleInvalid, match="not exactly what the co-op signed"):
        verify_bundle(tampered.encode())


def test_a_bundle_pointing_at_another_entry_as_its_manifest_fails(runtime, bundle):
    body = body_of(bundle)
    body["subject"]["files_entry"] = body["subject"]["license_entry"]
    with pytest.raises(BundleInvalid, match="^files: the bundle lacks the license's files manifest"):
        verify_bundle(resigned(runtime, body))


def test_another_licenses_manifest_does_not_pass_for_this_one(runtime, licensed, bundle):  # noqa: F811
    other_buyer = runtime.members.principal(
        runtime.members.register_buyer("Beta Labs", "Eve", "eve@beta.test", "eve-password")
    )
    other = runtime.datasets.license(other_buyer, licensed.release.id, ["model-training"], None, True, "lic-b")
    theirs = body_of(build_bundle(runtime, licensed.release.id, other.id))
    # A bundle of this license whose entries and checkpoint are the later bundle's: every proof holds.
    body = body_of(bundle)
    theirs["subject"] = body["subject"] | {"files_entry": theirs["subject"]["files_entry"]}
    theirs["report"] = body["report"]
    theirs["entries"] = sorted(
        {e["index"]: e for e in theirs["entries"] + build_entries(runtime, licensed, theirs)}.values(),
        key=lambda e: e["index"],
    )
    with pytest.raises(BundleInvalid, match=f"^files: the files manifest .* is for license '{other.id}'"):
        verify_bundle(resigned(runtime, theirs))


def build_entries(runtime, licensed, theirs):  # noqa: F811
    """This license's entries, proved against the later checkpoint `theirs` carries."""
    from coop.lineage.gather import release_lineage
    from provenance.core.note import NoteVerifier, verify_checkpoint
    from provenance.core.signing import b64

    size = verify_checkpoint(theirs["checkpoint"], NoteVerifier.parse(theirs["verifier_key"])).size
    wanted = release_lineage(runtime.engine, licensed.release.id, licensed.license.id).entries()
    proofs = runtime.log.inclusion_proofs(wanted, size)
    return [{"index": i, "leaf": b64(leaf), "proof": [b64(h) for h in proof]} for i, (leaf, proof) in proofs.items()]


def test_a_v3_bundle_made_before_files_manifests_still_verifies(runtime, bundle, tmp_path, downloaded):
    body = body_of(bundle)
    del body["subject"]["files_entry"]
    body["entries"] = [e for e in body["entries"] if e["index"] != body_of(bundle)["subject"]["files_entry"]]
    body["format"] = "coop-ledger-bundle/v3"
    older = resigned(runtime, body)
    checked = verify_bundle(older)
    assert checked.items == 4 and checked.files is None and checked.report_signed
    result = run_verify(tmp_path, older, "--files", str(downloaded))
    assert result.returncode == 1 and "this bundle proves no files manifest" in result.stderr


def test_a_v4_bundle_without_its_files_entry_key_is_not_a_bundle(runtime, bundle):
    body = body_of(bundle)
    del body["subject"]["files_entry"]
    with pytest.raises(BundleInvalid, match="not a coop-ledger-bundle/v4"):
        verify_bundle(resigned(runtime, body))


def test_a_release_bundle_has_no_files_to_check(runtime, licensed, tmp_path, downloaded):  # noqa: F811
    release = build_bundle(runtime, licensed.release.id)
    assert body_of(release)["subject"]["files_entry"] is None and verify_bundle(release.encode()).files is None
    result = run_verify(tmp_path, release, "--files", str(downloaded))
    assert result.returncode == 1 and "proves no files manifest" in result.stderr
