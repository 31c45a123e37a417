"""Delivery (issue 15, part 3): the licensee's organisation downloads the licensed dataset — one
record per accepted judgment, as JSON Lines and Parquet — whose files hash to the SHA-256 in the
license's signed, logged manifest, stream a chunk at a time, and load with mlcroissant and pyarrow."""

import hashlib
import inspect
import io
import json
from types import SimpleNamespace

import mlcroissant as mlc
import pyarrow.parquet as pq
import pytest

from coop.datasets.delivery_files import WriterChanged, check_writer, parquet_bytes
from coop.datasets.delivery_records import NAMES, judgment_chunks
from coop.kernel.errors import NotAllowed
from provenance.core.entry import parse_leaf
from provenance.core.signing import verify_signature
from tests.conftest import TERMS
from tests.test_contributions import GOOD, submit
from tests.test_measured_pay import answer_item, item_task

FINE = {"correctness": 5, "completeness": 5, "clarity": 4}


@pytest.fixture
def licensed(runtime, work, clock, client):
    """Three items answered (600, 900 and 1,500 measured seconds), one free-form answer, one item
    answer whose consent is revoked after the release and before the license; Acme licenses."""
    item_task(runtime, work, 4)
    answers = [answer_item(runtime, work, clock, seconds=s, minutes=m) for s, m in ((600, 12), (900, 20), (1500, 25))]
    free = submit(runtime, work, text="Metformin first.", minutes=18)
    for reviewer in work.reviewers[:2]:
        runtime.reviews.review(reviewer, free.id, FINE, "fine")
    revoked = answer_item(runtime, work, clock, seconds=300, minutes=5)
    release = runtime.datasets.cut_release(
        work.steward, "Clinical QA v1", "Answers", [work.task.id], ["model-training"], 500_000, "EUR"
    )
    runtime.contributions.revoke_consent_with_password(work.author, revoked.contribution.id, "amara-password")
    buyer = runtime.members.principal(
        runtime.members.register_buyer("Acme AI", "Dana", "dana@acme.test", "dana-password")
    )
    license = runtime.datasets.license(buyer, release.id, ["model-training"], None, True, "lic-1")
    token = runtime.auth.create_token(buyer, "delivery", ["read"])
    return SimpleNamespace(
        answers=answers, free=free, revoked=revoked, release=release, buyer=buyer, license=license, token=token
    )


def get(client, licensed, path, token=None):
    headers = {"Authorization": f"Bearer {token or licensed.token}"}
    return client.get(f"/api/licenses/{licensed.license.id}{path}", headers=headers)


def jsonl_records(data):
    return [json.loads(line) for line in data.decode().splitlines()]


def test_the_jsonl_holds_one_record_per_licensed_judgment_with_exactly_these_fields(runtime, work, licensed, client):
    records = jsonl_records(get(client, licensed, "/files/judgments.jsonl").content)
    author_key = runtime.contributions.get(work.author, licensed.answers[0].contribution.id)
    assert [list(r) for r in records] == [sorted(NAMES)] * 4  # canonical JSON: sorted keys, nothing else
    first, receipt = records[0], licensed.answers[0]
    blob = runtime.items.page(work.task.id).items[0]
    assert first["entry"] == author_key.acceptance_index
    assert first["contributor_key"] == author_key.statement["author"]
    assert (first["task"], first["task_kind"], first["answer_kind"]) == (work.task.id, "expert-answer", "written")
    assert first["item_sha256"] == receipt.item_sha256 == blob.sha256
    assert first["item_sha256"] == hashlib.sha256(first["item"].encode()).hexdigest()
    assert json.loads(first["item"]) == blob.content == {"prompt": "Question 0?"}
    assert json.loads(first["answer"]) == receipt.answer and first["answer_media_type"] == "application/json"
    assert first["answer_sha256"] == hashlib.sha256(first["answer"].encode()).hexdigest()
    assert (first["review_count"], json.loads(first["review_scores"])) == (2, [GOOD, GOOD])
    assert (first["measured_seconds"], first["measured_minutes"], first["reported_minutes"]) == (600, 10, 12)
    assert (first["permitted_uses"], first["excluded_sectors"], first["consent_expires"]) == (
        TERMS["permitted_uses"],
        TERMS["excluded_sectors"],
        None,
    )
    assert first["rubric_version"] == 1 and first["accepted_at"].startswith("2026-11-25T")
    assert [r["measured_seconds"] for r in records] == [600, 900, 1500, None]
    assert records[2]["measured_minutes"] == 25.0 and records[1]["measured_minutes"] == 15.0


def test_free_work_is_delivered_with_its_text_and_no_item(runtime, licensed, client):
    free = jsonl_records(get(client, licensed, "/files/judgments.jsonl").content)[-1]
    assert (free["item"], free["item_sha256"], free["answer_kind"]) == (None, None, None)
    assert (free["answer"], free["answer_media_type"], free["reported_minutes"]) == (
        "Metformin first.",
        "text/plain",
        18,
    )
    assert json.loads(free["review_scores"]) == [FINE, FINE]


def test_the_parquet_file_holds_the_same_records_as_the_jsonl(licensed, client):
    table = pq.read_table(io.BytesIO(get(client, licensed, "/files/judgments.parquet").content))
    assert table.column_names == NAMES
    assert table.to_pylist() == [
        {name: r[name] for name in NAMES}
        for r in jsonl_records(get(client, licensed, "/files/judgments.jsonl").content)
    ]


def test_an_item_revoked_before_the_license_is_not_delivered(licensed, client, runtime, work):
    records = jsonl_records(get(client, licensed, "/files/judgments.jsonl").content)
    revoked = runtime.contributions.get(work.author, licensed.revoked.contribution.id)
    assert revoked.acceptance_index not in {r["entry"] for r in records}
    assert len(records) == licensed.license.included_count == 4


def test_a_revocation_after_the_license_changes_neither_the_files_nor_their_hashes(licensed, client, runtime, work):
    before = get(client, licensed, "/files/judgments.jsonl").content
    runtime.contributions.revoke_consent_with_password(
        work.author, licensed.answers[0].contribution.id, "amara-password"
    )
    assert get(client, licensed, "/files/judgments.jsonl").content == before


def test_each_file_hashes_to_the_sha256_in_the_signed_logged_manifest(licensed, client, runtime):
    listing = get(client, licensed, "/files").json()
    leaf = runtime.log.entry(listing["manifest_entry"])
    entry = parse_leaf(leaf)
    verify_signature(entry.kind, entry.canonical_body, entry.public_key, entry.signature)  # raises if forged
    assert entry.public_key == runtime.log.public_key and entry.kind == "license.files"
    assert entry.body["license_entry"] == licensed.license.log_index and entry.body["records"] == 4
    for listed, logged in zip(listing["files"], entry.body["files"], strict=True):
        data = get(client, licensed, f"/files/{listed['name']}").content
        assert hashlib.sha256(data).hexdigest() == listed["sha256"] == logged["sha256"]
        assert len(data) == listed["size"] == logged["size"]
        assert listed["url"].endswith(f"/api/licenses/{licensed.license.id}/files/{listed['name']}")


def test_every_download_is_byte_identical(licensed, client):
    for name in ("judgments.jsonl", "judgments.parquet"):
        assert get(client, licensed, f"/files/{name}").content == get(client, licensed, f"/files/{name}").content


def test_the_manifest_names_the_parquet_writer_the_file_footer_names(licensed, client):
    """The one byte range pyarrow does not let us pin: recorded, so a changed writer is caught."""
    manifest = get(client, licensed, "/files").json()["manifest"]
    footer = pq.ParquetFile(io.BytesIO(get(client, licensed, "/files/judgments.parquet").content)).metadata
    assert footer.created_by == manifest["parquet_writer"] and manifest["row_group_rows"] == 4096


def test_no_member_name_email_or_account_id_is_in_the_files(licensed, client, runtime, work):
    data = b"".join(get(client, licensed, f"/files/{n}").content for n in ("judgments.jsonl", "judgments.parquet"))
    people = [("Amara", work.author), ("Rev1", work.reviewers[0]), ("Rev2", work.reviewers[1])]
    for name, person in people:
        for secret in (name, f"{name.lower()}@coop.test", person.account_id):
            assert secret.encode() not in data, secret
    assert b"Sam Steward" not in data and "@" not in get(client, licensed, "/files/judgments.jsonl").text


def test_records_are_read_a_chunk_at_a_time_and_parquet_gets_a_row_group_per_chunk(licensed, runtime):
    from sqlalchemy.orm import Session

    with Session(runtime.engine) as session:
        chunks = judgment_chunks(session, licensed.license.id, 3)
        assert inspect.isgenerator(chunks)  # nothing is read until asked for
        sizes = [len(chunk) for chunk in chunks]
        assert sizes == [3, 1]
        pieces = list(parquet_bytes(judgment_chunks(session, licensed.license.id, 1)))
    assert len(pieces) == 5  # a piece per row group as it is written, then the footer
    assert pq.ParquetFile(io.BytesIO(b"".join(pieces))).metadata.num_row_groups == 4


def test_a_download_is_a_stream_not_a_body_built_in_memory(licensed, runtime):
    from coop.datasets.delivery import DeliveryService

    delivered, pieces = DeliveryService(runtime.engine).stream(licensed.buyer, licensed.license.id, "judgments.jsonl")
    assert inspect.isgenerator(pieces) and delivered.size > 0
    assert len(b"".join(pieces)) == delivered.size


def test_a_parquet_writer_other_than_the_signed_one_is_refused_before_anything_is_sent():
    with pytest.raises(WriterChanged, match="would not match the signed SHA-256"):
        check_writer("parquet-cpp-arrow version 0.0.1")


def test_mlcroissant_loads_the_records_from_the_served_files(licensed, client, tmp_path):
    metadata = get(client, licensed, "/croissant.json").json()
    files = {f["name"]: f for f in get(client, licensed, "/files").json()["files"]}
    paths = {}
    for file_object in metadata["distribution"]:
        assert file_object["sha256"] == files[file_object["name"]]["sha256"]
        assert file_object["contentUrl"] == files[file_object["name"]]["url"]
        # mlcroissant fetches URLs without an Authorization header: download with the token, then map.
        paths[file_object["name"]] = tmp_path / file_object["name"]
        paths[file_object["name"]].write_bytes(get(client, licensed, f"/files/{file_object['name']}").content)
    expected = jsonl_records(paths["judgments.jsonl"].read_bytes())
    dataset = mlc.Dataset(jsonld=metadata, mapping={name: str(path) for name, path in paths.items()})
    for record_set in ("judgments", "judgments-parquet"):
        records = list(dataset.records(record_set))
        assert [r[f"{record_set}/entry"] for r in records] == [r["entry"] for r in expected]
        assert [r[f"{record_set}/answer"].decode() for r in records] == [r["answer"] for r in expected]
        assert [r[f"{record_set}/review_count"] for r in records] == [r["review_count"] for r in expected]


def test_another_organisations_buyer_is_refused_with_a_403(licensed, client, runtime):
    other = runtime.members.principal(
        runtime.members.register_buyer("Other AI", "Oz", "oz@other.test", "oz-password-1")
    )
    token = runtime.auth.create_token(other, "x", ["read"])
    for path in ("/files", "/files/judgments.jsonl", "/files/judgments.parquet", "/croissant.json"):
        response = get(client, licensed, path, token=token)
        assert response.status_code == 403 and "only the licensee's organisation" in response.text, path


def test_anonymous_is_refused_with_a_401(licensed, client):
    for path in ("/files", "/files/judgments.jsonl"):
        assert client.get(f"/api/licenses/{licensed.license.id}{path}").status_code == 401


def test_a_steward_does_not_download_a_buyers_files(licensed, runtime, work):
    from coop.datasets.delivery import DeliveryService

    with pytest.raises(NotAllowed):
        DeliveryService(runtime.engine).files(work.steward, licensed.license.id)


def test_an_unknown_file_or_license_is_a_404(licensed, client):
    assert get(client, licensed, "/files/secrets.csv").status_code == 404
    response = client.get("/api/licenses/" + "0" * 32 + "/files", headers={"Authorization": f"Bearer {licensed.token}"})
    assert response.status_code == 404


def test_the_buyers_licenses_page_links_both_files_which_download_with_the_session(licensed, browse):
    buyer = browse(licensed.buyer)
    page = buyer.get("/licenses").text
    for name in ("judgments.jsonl", "judgments.parquet"):
        link = f"/licenses/{licensed.license.id}/files/{name}"
        assert f'href="{link}"' in page
        response = buyer.get(link)
        assert response.status_code == 200 and response.headers["content-disposition"].endswith(f'"{name}"')
    listing = buyer.get(f"/licenses/{licensed.license.id}/files").json()
    assert hashlib.sha256(buyer.get(link).content).hexdigest() == listing["files"][1]["sha256"]
