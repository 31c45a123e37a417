"""`coop serve --workers N`: several processes share one port, and their connections skip Nagle."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from coop.kernel.db import make_engine
from tests.conftest import ORIGIN
from web.leadership import lead_for
from web.serve import NoDelayH11Protocol

ROOT = Path(__file__).resolve().parent.parent


async def tiny_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def server_side_nodelay(http) -> int:
    """TCP_NODELAY of the server's end of a connection, served as a `--workers N` worker serves:
    on the listening socket uvicorn's supervisor binds (`Config.bind_socket`)."""
    config = uvicorn.Config(tiny_app, host="127.0.0.1", port=0, http=http, lifespan="off", log_level="warning")
    config.load()
    sock = config.bind_socket()
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    reader, writer = await asyncio.open_connection(*sock.getsockname()[:2])
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        await reader.readuntil(b"\r\n\r\n")
        (protocol,) = server.server_state.connections
        return protocol.transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        writer.close()
        server.should_exit = True
        await serving
        sock.close()


def test_worker_connections_send_responses_without_waiting_for_delayed_acks():
    # With uvicorn's own protocol ("h11") this is 0 on uvicorn 0.54 (issue #3149): a response's body
    # then waits ~40 ms for the client's delayed ACK on every keep-alive request after the first.
    assert asyncio.run(server_side_nodelay(NoDelayH11Protocol)) != 0


def test_serve_refuses_fewer_than_one_worker():
    from web.cli import main

    assert main(["serve", "--workers", "0"]) == 2


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid):
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@pytest.mark.slow
def test_two_worker_processes_serve_one_port_and_one_of_them_leads_vote_closing(tmp_path, database_url):
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COOP_DATA_DIR": str(tmp_path),
        "COOP_DATABASE_URL": database_url,
        "COOP_LOG_ORIGIN": ORIGIN,
        "COOP_PORT": str(port),
    }
    coop = [sys.executable, "-m", "web.cli"]
    subprocess.run([*coop, "init"], env=env, cwd=ROOT, check=True, capture_output=True)
    with open(tmp_path / "serve.log", "wb") as serve_log:  # the child keeps its own copy of the file
        server = subprocess.Popen(
            [*coop, "serve", "--workers", "2"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=serve_log
        )
    engine = make_engine(database_url)
    lead = lead_for(engine, "close-due")
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        assert len(children(server.pid)) >= 2  # two workers (spawn may add its resource tracker)
        for _ in range(20):  # a new connection each: the workers share them out
            assert httpx.get(f"http://127.0.0.1:{port}/log/checkpoint", timeout=5).status_code == 200
        assert _checkpoint_requests_counted(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text) == 20
        while lead.hold():  # the first tick (5 s) takes the lead in one worker
            lead.release()
            assert time.monotonic() < deadline, "no worker took the lead of vote closing"
            time.sleep(0.2)
    finally:
        lead.release()
        engine.dispose()
        server.terminate()
        server.wait(timeout=30)


def _checkpoint_requests_counted(exposition: str) -> float:
    """The 200s of GET /log/checkpoint in a /metrics answer, summed over every worker's counts."""
    from prometheus_client.parser import text_string_to_metric_families

    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "coop_http_requests_total"
        and sample.labels.get("route") == "/log/checkpoint"
        and sample.labels.get("status") == "200"
    )
