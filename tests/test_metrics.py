"""`/metrics` (Prometheus text, scraped and parsed as Prometheus would) and `/healthz`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace

import httpx
import nacl.signing
import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from coop.kernel.db import make_engine
from provenance.core.signing import sign_statement
from provenance.service import ProvenanceLog
from tests.conftest import ORIGIN
from web.app import create_app
from web.runtime import Runtime

TOKEN = "scrape-token-for-tests"
AUTHOR = nacl.signing.SigningKey(b"\x05" * 32)


def statement(n: int):
    return sign_statement(AUTHOR, "test.entry", {"n": n})


@pytest.fixture
def scraper(runtime):
    """A client of an app whose /metrics takes the bearer token TOKEN, and a function that scrapes it."""
    runtime.settings = replace(runtime.settings, metrics_token=TOKEN)
    with TestClient(app=create_app(runtime=runtime)) as client:

        def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
            response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("text/plain")
            return {
                (sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for family in text_string_to_metric_families(response.text)
                for sample in family.samples
            }

        yield client, scrape


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_template_and_status_not_by_raw_path(scraper, log):
    client, scrape = scraper
    log.append_many([statement(0), statement(1)])
    route = "/log/entries/{index}"
    before = scrape()
    assert client.get("/log/entries/0").status_code == 200
    assert client.get("/log/entries/1").status_code == 200
    assert client.get("/log/entries/999").status_code == 404
    after = scrape()
    assert (
        value(after, "coop_http_requests_total", method="GET", route=route, status="200")
        - value(before, "coop_http_requests_total", method="GET", route=route, status="200")
        == 2
    )
    assert (
        value(after, "coop_http_requests_total", method="GET", route=route, status="404")
        - value(before, "coop_http_requests_total", method="GET", route=route, status="404")
        == 1
    )
    assert not [key for key in after if dict(key[1]).get("route", "").startswith("/log/entries/0")]
    assert value(after, "coop_http_request_duration_seconds_count", method="GET", route=route) >= 3


def test_log_size_and_checkpoint_age_are_read_from_the_database_at_scrape_time(scraper, engine, signer):
    _client, scrape = scraper
    other_process_log = ProvenanceLog(engine, signer, ORIGIN)  # another writer, as another worker would be
    other_process_log.append_many([statement(n) for n in range(3)])
    samples = scrape()
    assert value(samples, "coop_log_entries") == 3
    assert value(samples, "coop_database_up") == 1
    assert 0 <= value(samples, "coop_log_checkpoint_age_seconds") < 60
    assert value(samples, "coop_log_checkpoint_timestamp_seconds") > 1.7e9


def test_every_group_committed_batch_is_measured(scraper, log):
    _client, scrape = scraper
    before = scrape()
    log.append_many([statement(n) for n in range(5)])
    log.append_many([statement(n) for n in range(5, 7)])
    after = scrape()

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("coop_log_append_batch_entries_count", path="group") == 2
    assert delta("coop_log_append_batch_entries_sum", path="group") == 7
    assert delta("coop_log_append_batch_seconds_count") == 2


APPENDER = """
import sys, nacl.signing
from coop.kernel.db import make_engine
from provenance.core.note import NoteSigner
from provenance.core.signing import sign_statement
from provenance.service import ProvenanceLog
url, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
signer = NoteSigner("test.coop/log", nacl.signing.SigningKey(b"\\x01" * 32))
log = ProvenanceLog(make_engine(url), signer, "test.coop/log")
key = nacl.signing.SigningKey(b"\\x06" * 32)
for n in range(count):
    log.append(sign_statement(key, "test.entry", {"worker": worker, "n": n}))
"""


def test_with_a_multiprocess_directory_every_process_batches_add_up(scraper, database_url, tmp_path, monkeypatch):
    _client, scrape = scraper
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    workers = [subprocess.Popen([sys.executable, "-c", APPENDER, database_url, str(w), "4"], env=env) for w in range(2)]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    samples = scrape()
    assert value(samples, "coop_log_append_batch_entries_sum", path="group") == 8
    assert value(samples, "coop_log_entries") == 8


def test_metrics_need_the_token_when_one_is_set(scraper):
    client, _scrape = scraper
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_without_a_token_metrics_are_served_to_loopback_clients_only(runtime):
    app = create_app(runtime=runtime)

    async def get_from(host: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://coop.test") as client:
            return await client.get("/metrics")

    refused = asyncio.run(get_from("203.0.113.9"))
    assert refused.status_code == 403 and "COOP_METRICS_TOKEN" in refused.text
    assert asyncio.run(get_from("127.0.0.1")).status_code == 200
    assert asyncio.run(get_from("::1")).status_code == 200


def test_healthz_answers_200_with_the_log_head_when_the_database_answers(client, log):
    log.append_many([statement(0), statement(1)])
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["log"]["size"] == 2 and body["log"]["checkpoint_age_seconds"] >= 0


def test_healthz_answers_503_when_the_database_does_not_answer(settings, signer, clock, db_kind, tmp_path):
    url = (
        f"sqlite:///{tmp_path}/no-such-dir/coop.db"
        if db_kind == "sqlite"
        else "postgresql+psycopg://postgres@127.0.0.1:1/test"
    )
    broken = make_engine(url)
    runtime = Runtime(settings, broken, ProvenanceLog(broken, signer, ORIGIN), clock)
    with TestClient(app=create_app(runtime=runtime)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "not answering"}


def test_healthz_answers_503_when_the_log_head_has_no_signed_checkpoint(client, log, engine):
    log.append_many([statement(0)])
    with engine.begin() as conn:
        conn.execute(text("UPDATE log_head SET size = 5 WHERE id = 1"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "no signed checkpoint for the head" in response.json()["log"]
