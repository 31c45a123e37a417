"""The buyer's paperwork (issue 15, part 5): per license, a report a compliance team can file —
the EU AI Act Art. 53(1)(d) summary fields, pay per hour against the floor summed up per task,
rubric and pay floor (every judgment's own row in a judgments file whose SHA-256 the report states),
and how to verify it; as JSON whose SHA-256 the license's bundle signs, and as a printable page."""

import hashlib
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from coop.lineage.bundle import build_bundle, license_report, license_report_judgments
from coop.lineage.verify import BundleInvalid, verify_bundle
from provenance.core.canonical import canonical_json
from tests.test_contributions import GOOD
from tests.test_measured_pay import answer_item, item_task

NO_ADVERTISING = {"permitted_uses": ["model-training"], "excluded_sectors": ["advertising"], "expires": None}
FLOOR = 1800  # pay-floor v1, EUR minor units per hour; the work task pays 900 per answer of 20 min


def free_form(runtime, work, text, terms):
    draft = runtime.contributions.draft(work.author, work.task.id, text.encode(), "text/plain", 20, terms)
    c = runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")
    for reviewer in work.reviewers[:2]:
        runtime.reviews.review(reviewer, c.id, GOOD, "good")
    return runtime.contributions.get(work.author, c.id)


@pytest.fixture
def licensed(runtime, work, clock):
    """A release of four accepted judgments and a license of three of them, for advertising:
    09:00 a free-form answer (no measured time); 09:05 a free-form answer whose author excluded
    advertising (left out by consent); 09:05→09:15 an item answered in 600 s; 09:15→09:55 an item
    answered in 2,400 s."""
    from tests.conftest import TERMS

    plain = free_form(runtime, work, "Free-form answer.", TERMS)
    clock.advance(minutes=5)
    free_form(runtime, work, "Not for advertising.", NO_ADVERTISING)
    item_task(runtime, work, 2)
    quick = answer_item(runtime, work, clock, seconds=600, minutes=30).contribution
    slow = answer_item(runtime, work, clock, seconds=2400, minutes=30).contribution
    release = runtime.datasets.cut_release(
        work.steward, "Clinical QA v2", "Answers", [work.task.id], ["model-training"], 400_000, "EUR"
    )
    buyer = runtime.members.principal(
        runtime.members.register_buyer("Acme AI", "Dana", "dana@acme.test", "dana-password")
    )
    license = runtime.datasets.license(buyer, release.id, ["model-training"], "advertising", True, "paperwork")
    data = license_report(runtime, release.id, license.id)
    rows = b"".join(license_report_judgments(runtime, release.id, license.id))
    entries = {
        name: runtime.contributions.get(work.author, c.id).acceptance_index
        for name, c in (("plain", plain), ("quick", quick), ("slow", slow))
    }
    return SimpleNamespace(
        release=release,
        license=license,
        buyer=buyer,
        data=data,
        report=json.loads(data),
        entries=entries,
        plain=plain,
        rows_data=rows,
        rows=[json.loads(line) for line in rows.splitlines()],
    )


def judgment(licensed, entry):
    [found] = [j for j in licensed.rows if j["entry"] == entry]
    return found


def test_the_report_sizes_the_license_and_counts_what_consent_left_out(licensed):
    summary = licensed.report["training_data_summary"]
    assert summary["size"] | {"content_bytes": None} == {
        "judgments": 3,
        "items": 3,
        "contributors": 1,
        "content_bytes": None,
    }
    opt_outs = summary["opt_outs"]
    assert (opt_outs["release_items"], opt_outs["included"], opt_outs["excluded_by_consent"]) == (4, 3, 1)
    assert opt_outs["excluded_by_reason"]["sector-excluded-by-contributor"]["count"] == 1
    assert opt_outs["consent_rules_version"] == 1 and opt_outs["consent_rules"]["excluded_sectors"] == ["military"]
    assert opt_outs["terms"]["permitted_uses"] == {"model-training": 3, "research": 3}


def test_the_report_names_the_source_category_modality_and_kinds(licensed):
    summary = licensed.report["training_data_summary"]
    assert "workers' co-operative" in summary["source_category"] and summary["modalities"] == ["text"]
    assert summary["content_types"] == {
        "task_kinds": {"expert-answer": 3},
        "answer_kinds": {"free-form": 1, "written": 2},
    }


def test_content_bytes_add_up_to_the_judgments_content(licensed):
    judgments = licensed.rows
    assert judgment(licensed, licensed.entries["plain"])["content_bytes"] == len(b"Free-form answer.")
    assert licensed.report["training_data_summary"]["size"]["content_bytes"] == sum(
        j["content_bytes"] for j in judgments
    )


def test_the_collection_period_is_the_included_contributions_logged_times(licensed):
    period = licensed.report["training_data_summary"]["collection_period"]
    assert (period["first_submitted"], period["last_submitted"]) == (
        "2026-11-25T09:00:00+00:00",
        "2026-11-25T09:55:00+00:00",
    )
    assert (period["first_accepted"], period["last_accepted"]) == (
        "2026-11-25T09:00:00+00:00",
        "2026-11-25T09:55:00+00:00",
    )


def test_pay_per_hour_is_measured_where_an_item_was_answered_and_declared_otherwise(licensed):
    entries = licensed.entries
    rows = {name: judgment(licensed, entry) for name, entry in entries.items()}
    assert {n: (r["hourly_rate"], r["source"], r["measured_seconds"]) for n, r in rows.items()} == {
        "plain": (900 * 60 // 20, "declared task rate", None),  # 2700
        "quick": (900 * 3600 // 600, "measured", 600),  # 5400
        "slow": (900 * 3600 // 2400, "measured", 2400),  # 1350
    }
    assert rows["slow"]["arithmetic"] == "⌊900 × 3600 / 2400⌋ = 1350"


def test_every_judgment_is_compared_with_the_floor_and_one_below_it_is_reported(licensed):
    fair = licensed.report["fair_work"]
    assert {j["entry"]: (j["floor"], j["floor_version"], j["meets_floor"]) for j in licensed.rows} == {
        licensed.entries["plain"]: (FLOOR, 1, True),
        licensed.entries["quick"]: (FLOOR, 1, True),
        licensed.entries["slow"]: (FLOOR, 1, False),
    }
    assert (fair["meets_floor"], fair["below_floor"]) == (2, 1)
    assert fair["rate_sources"] == {"declared task rate": 1, "measured": 2}
    assert fair["rubrics"] == {"rubric.expert-answer v1": 3}


def test_the_report_is_canonical_json_and_the_same_bytes_every_time(runtime, licensed):
    assert licensed.data == canonical_json(licensed.report)
    assert license_report(runtime, licensed.release.id, licensed.license.id) == licensed.data


def test_the_license_bundle_signs_the_reports_sha256(runtime, licensed):
    bundle = build_bundle(runtime, licensed.release.id, licensed.license.id)
    signed = json.loads(bundle.split("\n", 1)[0])["report"]
    assert signed == {"sha256": hashlib.sha256(licensed.data).hexdigest(), "size": len(licensed.data)}


def test_verify_checks_the_report_beside_its_bundle(runtime, licensed):
    bundle = build_bundle(runtime, licensed.release.id, licensed.license.id).encode()
    checked = verify_bundle(bundle, trusted_key=runtime.log.verifier_key, report=licensed.data)
    assert checked.report_sha256 == hashlib.sha256(licensed.data).hexdigest() and checked.items == 3


@pytest.mark.parametrize("position", [0, 200, 1000, -2])
def test_one_changed_byte_of_the_report_fails_verification_naming_the_report(runtime, licensed, position):
    bundle = build_bundle(runtime, licensed.release.id, licensed.license.id).encode()
    tampered = bytearray(licensed.data)
    tampered[position] ^= 0x01
    with pytest.raises(BundleInvalid, match="^report: the report is not the one the bundle signs"):
        verify_bundle(bundle, report=bytes(tampered))


def test_a_signed_report_that_contradicts_the_log_fails_where_it_differs(runtime, licensed):
    """Even the co-op's signature cannot make a wrong figure pass: the report is recomputed."""
    report = json.loads(licensed.data)
    report["training_data_summary"]["opt_outs"]["excluded_by_consent"] = 0
    forged = canonical_json(report)
    body = json.loads(build_bundle(runtime, licensed.release.id, licensed.license.id).split("\n", 1)[0])
    body["report"] = {"sha256": hashlib.sha256(forged).hexdigest(), "size": len(forged)}
    bundle = runtime.log.signer.sign(canonical_json(body).decode() + "\n").encode()
    with pytest.raises(
        BundleInvalid, match=r"report\.training_data_summary\.opt_outs\.excluded_by_consent: 0 where the log gives 1"
    ):
        verify_bundle(bundle, report=forged)


def test_a_release_bundle_signs_no_report(runtime, licensed):
    bundle = build_bundle(runtime, licensed.release.id).encode()
    assert not verify_bundle(bundle).report_signed
    with pytest.raises(BundleInvalid, match="the bundle signs no report"):
        verify_bundle(bundle, report=licensed.data)


def run_verify(tmp_path, bundle, report, *extra):
    (tmp_path / "license.bundle").write_bytes(bundle)
    (tmp_path / "license.report.json").write_bytes(report)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOP_")}
    env["COOP_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # unreachable: must not be used
    return subprocess.run(
        [sys.executable, "-m", "web.cli", "verify", "license.bundle", "--report", "license.report.json", *extra],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": os.getcwd()},
        cwd=tmp_path,
        timeout=60,
    )


def test_coop_verify_passes_on_a_bundle_with_its_report(runtime, licensed, tmp_path):
    bundle = build_bundle(runtime, licensed.release.id, licensed.license.id).encode()
    result = run_verify(tmp_path, bundle, licensed.data)
    assert result.returncode == 0, result.stderr
    assert f"license report verified: SHA-256 {hashlib.sha256(licensed.data).hexdigest()}" in result.stdout


def test_coop_verify_fails_naming_the_report_when_one_byte_changes(runtime, licensed, tmp_path):
    bundle = build_bundle(runtime, licensed.release.id, licensed.license.id).encode()
    tampered = licensed.data.replace(b'"judgments":3', b'"judgments":4')
    assert tampered != licensed.data and len(tampered) == len(licensed.data)
    result = run_verify(tmp_path, bundle, tampered)
    assert result.returncode == 1
    assert "BUNDLE DOES NOT VERIFY: report: the report is not the one the bundle signs" in result.stderr


@pytest.fixture
def other_buyer(runtime):
    return runtime.members.principal(
        runtime.members.register_buyer("Other Lab", "Eve", "eve@other.test", "eve-password")
    )


def bearer(runtime, principal):
    return {"Authorization": f"Bearer {runtime.auth.create_token(principal, 'paperwork', ['read'])}"}


def test_the_api_serves_the_licensee_the_report_bytes_the_bundle_signs(runtime, licensed, client):
    response = client.get(f"/api/licenses/{licensed.license.id}/report", headers=bearer(runtime, licensed.buyer))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert response.content == licensed.data


def test_the_portal_serves_the_same_json_to_the_licensees_session(licensed, browse):
    assert browse(licensed.buyer).get(f"/licenses/{licensed.license.id}/report.json").content == licensed.data


def test_a_steward_reads_the_report(runtime, licensed, client, work):
    response = client.get(f"/api/licenses/{licensed.license.id}/report", headers=bearer(runtime, work.steward))
    assert response.content == licensed.data


def test_another_organisation_cannot_read_the_report_through_the_api(runtime, licensed, client, other_buyer):
    response = client.get(f"/api/licenses/{licensed.license.id}/report", headers=bearer(runtime, other_buyer))
    assert response.status_code == 403 and licensed.license.id in response.text
    assert "only the licensee's organisation" in response.text


@pytest.mark.parametrize("path", ["/licenses/{id}/report", "/licenses/{id}/report.json"])
def test_another_organisation_cannot_read_the_report_in_the_portal(licensed, browse, other_buyer, path):
    response = browse(other_buyer).get(path.format(id=licensed.license.id))
    assert response.status_code == 403 and licensed.license.id in response.text


def test_a_member_cannot_read_a_license_report(runtime, licensed, client, work):
    response = client.get(f"/api/licenses/{licensed.license.id}/report", headers=bearer(runtime, work.author))
    assert response.status_code == 403


def test_the_printable_page_shows_the_summary_pay_against_the_floor_and_how_to_verify(runtime, licensed, browse):
    page = browse(licensed.buyer).get(f"/licenses/{licensed.license.id}/report")
    assert page.status_code == 200
    text = page.text
    assert "Training-data summary (EU AI Act Art. 53(1)(d))" in text and "workers&#39; co-operative" in text
    assert "3 judgments of 3 items by 1 contributors" in text
    assert "submitted 2026-11-25T09:00:00+00:00 to 2026-11-25T09:55:00+00:00" in text
    assert (
        "Consent rules v1 in force at license time" in text
        and "3 of 4 release items included; 1 excluded by consent" in text
    )
    assert "2 judgments at or above the pay floor, 1 below" in text
    group = text.split(f'data-testid="group-{licensed.report["fair_work"]["groups"][0]["task"]}-1"')[1]
    group = group.split("</tr>")[0]
    assert "13.50 EUR" in group and "27.00 EUR" in group and "18.00 EUR (pay-floor v1)" in group
    assert "declared task rate 1, measured 2" in group
    assert f'href="/licenses/{licensed.license.id}/report/judgments.jsonl"' in text
    assert hashlib.sha256(licensed.rows_data).hexdigest() in text
    assert hashlib.sha256(licensed.data).hexdigest() in text and "coop verify" in text
    assert runtime.log.latest_checkpoint().note.split("\n")[0] in text


def test_the_licenses_page_links_each_report(licensed, browse):
    assert f'href="/licenses/{licensed.license.id}/report"' in browse(licensed.buyer).get("/licenses").text


def test_a_bundle_made_before_reports_still_verifies(runtime, licensed):
    body = json.loads(build_bundle(runtime, licensed.release.id, licensed.license.id).split("\n", 1)[0])
    del body["report"]
    del body["subject"]["files_entry"]
    body["format"] = "coop-ledger-bundle/v2"
    older = runtime.log.signer.sign(canonical_json(body).decode() + "\n").encode()
    assert verify_bundle(older).items == 3 and not verify_bundle(older).report_signed


def test_pay_is_summed_up_per_task_rubric_and_floor_with_minimum_and_lower_median(licensed):
    [group] = licensed.report["fair_work"]["groups"]
    assert group | {"task": None, "summary": None} == {
        "task": None,
        "task_kind": "expert-answer",
        "rubric": "rubric.expert-answer v1",
        "floor_version": 1,
        "currency": "EUR",
        "floor": FLOOR,
        "judgments": 3,
        "meets_floor": 2,
        "below_floor": 1,
        "min_hourly_rate": 1350,
        "median_hourly_rate": 2700,  # of 1350, 2700 and 5400
        "rate_sources": {"declared task rate": 1, "measured": 2},
        "entries": {"first": min(licensed.entries.values()), "last": max(licensed.entries.values())},
        "summary": None,
    }
    assert group["summary"] == "3 judgments: minimum 13.50 EUR, median 27.00 EUR per hour against the floor of " + (
        "18.00 EUR (pay-floor v1); 1 below it"
    )


def test_the_report_states_the_judgments_files_count_size_and_sha256(licensed):
    stated = licensed.report["fair_work"]["judgments"]
    assert (stated["count"], stated["size"], stated["sha256"]) == (
        3,
        len(licensed.rows_data),
        hashlib.sha256(licensed.rows_data).hexdigest(),
    )
    assert [row["entry"] for row in licensed.rows] == sorted(licensed.entries.values())
    assert all(list(row) == sorted(stated["columns"]) for row in licensed.rows)
    assert licensed.rows_data == b"".join(canonical_json(row) + b"\n" for row in licensed.rows)


def test_the_report_holds_no_per_judgment_rows(licensed):
    """Its size does not grow with the judgments beyond one group per task, rubric and floor."""
    assert b'"arithmetic":' not in licensed.data and b'"measured_seconds":' not in licensed.data


def test_verify_recomputes_the_report_from_the_bundle_and_its_judgments_file(runtime, licensed):
    bundle = build_bundle(runtime, licensed.release.id, licensed.license.id).encode()
    checked = verify_bundle(bundle, report=licensed.data, judgments=licensed.rows_data)
    assert checked.report_judgments and checked.report_sha256 == hashlib.sha256(licensed.data).hexdigest()
    assert not verify_bundle(bundle, report=licensed.data).report_judgments


def test_one_changed_byte_of_the_judgments_file_fails_naming_it(runtime, licensed):
    bundle = build_bundle(runtime, licensed.release.id, licensed.license.id).encode()
    tampered = licensed.rows_data.replace(b'"hourly_rate":1350', b'"hourly_rate":1850')
    assert tampered != licensed.rows_data
    with pytest.raises(BundleInvalid, match="^report: the judgments file is not the one the report states"):
        verify_bundle(bundle, report=licensed.data, judgments=tampered)


def test_a_signed_report_whose_judgments_contradict_the_log_fails_where_it_differs(runtime, licensed):
    """A judgments file with a higher logged pay, its hash stated in a report the co-op re-signed:
    the rows recomputed from the bundle's entries give another hash."""
    rows = [row | {"paid": 9000} if row["entry"] == licensed.entries["slow"] else row for row in licensed.rows]
    forged_rows = b"".join(canonical_json(row) + b"\n" for row in rows)
    report = json.loads(licensed.data)
    report["fair_work"]["judgments"] |= {
        "sha256": hashlib.sha256(forged_rows).hexdigest(),
        "size": len(forged_rows),
    }
    forged = canonical_json(report)
    body = json.loads(build_bundle(runtime, licensed.release.id, licensed.license.id).split("\n", 1)[0])
    body["report"] = {"sha256": hashlib.sha256(forged).hexdigest(), "size": len(forged)}
    bundle = runtime.log.signer.sign(canonical_json(body).decode() + "\n").encode()
    with pytest.raises(BundleInvalid, match=r"report\.fair_work\.judgments\.s"):
        verify_bundle(bundle, report=forged, judgments=forged_rows)


def test_coop_verify_checks_the_report_with_its_judgments_file(runtime, licensed, tmp_path):
    bundle = build_bundle(runtime, licensed.release.id, licensed.license.id).encode()
    (tmp_path / "license.judgments.jsonl").write_bytes(licensed.rows_data)
    result = run_verify(tmp_path, bundle, licensed.data, "--report-judgments", "license.judgments.jsonl")
    assert result.returncode == 0, result.stderr
    assert "recomputed from the bundle's entries and its judgments file" in result.stdout
    (tmp_path / "license.judgments.jsonl").write_bytes(licensed.rows_data[:-1])
    result = run_verify(tmp_path, bundle, licensed.data, "--report-judgments", "license.judgments.jsonl")
    assert result.returncode == 1 and "the judgments file is not the one the report states" in result.stderr


def test_the_api_and_portal_serve_the_licensee_the_judgments_file_the_report_states(runtime, licensed, client, browse):
    path = f"/licenses/{licensed.license.id}/report/judgments.jsonl"
    response = client.get(f"/api{path}", headers=bearer(runtime, licensed.buyer))
    assert response.status_code == 200 and response.content == licensed.rows_data
    assert browse(licensed.buyer).get(path).content == licensed.rows_data


def test_another_organisation_cannot_read_the_judgments_file(runtime, licensed, client, other_buyer):
    path = f"/api/licenses/{licensed.license.id}/report/judgments.jsonl"
    response = client.get(path, headers=bearer(runtime, other_buyer))
    assert response.status_code == 404 and licensed.license.id in response.text


def test_a_report_in_the_older_format_is_refused_with_the_reason(runtime, licensed):
    report = json.loads(licensed.data)
    report["format"] = "coop-ledger-license-report/v1"
    older = canonical_json(report)
    body = json.loads(build_bundle(runtime, licensed.release.id, licensed.license.id).split("\n", 1)[0])
    body["report"] = {"sha256": hashlib.sha256(older).hexdigest(), "size": len(older)}
    bundle = runtime.log.signer.sign(canonical_json(body).decode() + "\n").encode()
    with pytest.raises(BundleInvalid, match="license-report/v1', which this verifier does not recompute"):
        verify_bundle(bundle, report=older)
